package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.TopicConfigRecord;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import io.wharf.replication.log.RetentionPolicy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's retention task over real replicas: each topic's policy (or the broker default),
 * read afresh at every run, bounded by each replica's high watermark, one failing partition not
 * stopping the others.
 */
class RetentionEnforcerTest {

    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<Partition> hosted = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final MetadataScript metadata = new MetadataScript();
    private final ScheduledExecutorService ackTimer = Executors.newSingleThreadScheduledExecutor();

    @BeforeEach
    void createTopics() {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("plain").setPartitions(2).setReplicationFactor(1))
                .addTopics(TopicSpec.newBuilder().setName("sized").setPartitions(1).setReplicationFactor(1)
                        .putConfigs("retention.bytes", "0"))).build());
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable closeable : toClose) {
            closeable.close();
        }
        ackTimer.shutdownNow();
    }

    private ReplicaContext context() {
        return new ReplicaContext(1, clock, 5000, ackTimer, flushed -> { });
    }

    private RetentionEnforcer enforcer(RetentionPolicy brokerDefault, Duration interval) {
        RetentionEnforcer enforcer = new RetentionEnforcer(1, () -> hosted, () -> metadata.image(), brokerDefault, interval,
                Duration.ofDays(1));
        toClose.add(0, enforcer);
        return enforcer;
    }

    /** A replica of {@code topic}-{@code partition} led here, with {@code batches} one-record batches in small segments. */
    private Partition leaderWith(String topic, int partition, int batches) {
        PartitionState state = metadata.image().topic(topic).flatMap(t -> t.partition(partition)).orElseThrow();
        Log log = Log.open(dir.resolve(topic + "-" + partition), LogConfig.builder().segmentBytes(300).build(), clock);
        Partition replica = new Partition(new TopicPartition(topic, partition),
                metadata.image().topic(topic).orElseThrow().topicId(), log, context());
        toClose.add(replica);
        replica.becomeLeader(state, 1);
        for (int i = 0; i < batches; i++) {
            replica.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE).append(clock.millis(), null,
                    ("record-" + i).getBytes(StandardCharsets.UTF_8)).build(), -1, clock.millis() + 10_000);
        }
        assertEquals(batches, replica.highWatermark(), "a single-replica ISR: the HW follows the log end");
        assertTrue(log.segmentBaseOffsets().size() > 3, log.toString());
        hosted.add(replica);
        return replica;
    }

    @Test
    void eachTopicUsesItsOwnRetentionElseTheBrokerDefault() {
        Partition plain = leaderWith("plain", 0, 40);
        Partition sized = leaderWith("sized", 0, 40);
        RetentionEnforcer enforcer = enforcer(new RetentionPolicy(HOUR, -1), Duration.ofHours(1));

        int segmentsOfSized = sized.log().segmentBaseOffsets().size();
        assertEquals(segmentsOfSized - 1, enforcer.runOnce(), "retention.bytes=0 on 'sized' keeps only its active segment");
        assertEquals(1, sized.log().segmentBaseOffsets().size());
        assertEquals(0, plain.log().logStartOffset(), "nothing of 'plain' is older than the broker's hour yet");

        clock.advance(2 * HOUR);
        int segmentsOfPlain = plain.log().segmentBaseOffsets().size();
        assertEquals(segmentsOfPlain - 1, enforcer.runOnce());
        assertEquals(List.of(plain.log().logStartOffset()), plain.log().segmentBaseOffsets());
        assertEquals(40, plain.log().logEndOffset(), "nothing at or above the log start was lost");
    }

    @Test
    void aTopicConfigChangeAndANewPartitionArePickedUpAtTheNextRun() {
        Partition first = leaderWith("plain", 0, 40);
        RetentionEnforcer enforcer = enforcer(RetentionPolicy.KEEP_FOREVER, Duration.ofHours(1));
        assertEquals(0, enforcer.runOnce());

        metadata.apply(MetadataRecord.newBuilder().setTopicConfig(TopicConfigRecord.newBuilder().setTopic("plain")
                .putConfigs("retention.bytes", "600")).build());
        Partition second = leaderWith("plain", 1, 40);
        long sizeBefore = second.log().sizeInBytes();
        assertTrue(enforcer.runOnce() > 0);
        for (Partition replica : List.of(first, second)) {
            assertTrue(replica.log().logStartOffset() > 0, replica.log().toString());
            assertTrue(replica.log().sizeInBytes() >= 600, "keeps at least retention.bytes: " + replica.log());
        }
        assertTrue(second.log().sizeInBytes() < sizeBefore);
    }

    @Test
    void nothingAtOrAboveTheHighWatermarkIsDeleted() {
        PartitionState state = metadata.image().topic("plain").flatMap(t -> t.partition(0)).orElseThrow();
        Log log = Log.open(dir.resolve("plain-0"), LogConfig.builder().segmentBytes(300).build(), clock);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE).append(clock.millis(), null,
                    ("record-" + i).getBytes(StandardCharsets.UTF_8)).build(), 0);
        }
        Partition follower = new Partition(new TopicPartition("plain", 0), metadata.image().topic("plain").orElseThrow().topicId(),
                log, context());
        toClose.add(follower);
        // It follows broker 2 and has not learned a high watermark from it yet.
        follower.becomeFollower(new PartitionState(state.partition(), List.of(1, 2), List.of(1, 2), 2,
                state.leaderEpoch() + 1, state.partitionEpoch() + 1));
        hosted.add(follower);
        assertEquals(0, follower.highWatermark());
        RetentionEnforcer enforcer = enforcer(new RetentionPolicy(0, 0), Duration.ofHours(1));
        clock.advance(HOUR);
        assertEquals(0, enforcer.runOnce());
        assertEquals(0, log.logStartOffset());

        follower.applyFromLeader(state.leaderEpoch() + 1, ByteBuffer.allocate(0), 20, -1,
                Optional.empty());
        assertEquals(20, follower.highWatermark());
        assertTrue(enforcer.runOnce() > 0);
        assertTrue(log.logStartOffset() > 0 && log.logStartOffset() <= 20, log.toString());
        assertTrue(log.segmentBaseOffsets().size() > 1, "the segment holding offset 20 and those after it stay");
    }

    @Test
    void aFailingPartitionIsLoggedAndTheOthersGoOn() {
        Partition broken = leaderWith("plain", 0, 40);
        Partition healthy = leaderWith("plain", 1, 40);
        broken.log().close();  // every call on its log now fails
        assertThrows(IllegalStateException.class, () -> broken.log().enforceRetention(new RetentionPolicy(0, 0),
                broken.highWatermark()));
        RetentionEnforcer enforcer = enforcer(new RetentionPolicy(-1, 0), Duration.ofHours(1));
        int healthySegments = healthy.log().segmentBaseOffsets().size();
        assertEquals(healthySegments - 1, enforcer.runOnce());
        assertEquals(1, healthy.log().segmentBaseOffsets().size());
    }

    @Test
    void theEnforcerRunsOnItsOwnThreadEveryIntervalUntilClosed() {
        Partition sized = leaderWith("sized", 0, 40);
        RetentionEnforcer enforcer = enforcer(RetentionPolicy.KEEP_FOREVER, Duration.ofMillis(20));
        enforcer.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> sized.log().segmentBaseOffsets().size() == 1);
        enforcer.close();
        for (int i = 0; i < 30; i++) {
            sized.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE).append(clock.millis(), null,
                    ("after-close-" + i).getBytes(StandardCharsets.UTF_8)).build(), -1, clock.millis() + 10_000);
        }
        assertTrue(sized.log().segmentBaseOffsets().size() > 1, "a closed enforcer deletes nothing more");
    }

    @Test
    void anExplicitTopicLimitOverridesOnlyItsOwnBrokerDefault() {
        RetentionPolicy brokerDefault = new RetentionPolicy(HOUR, 5000);
        assertEquals(brokerDefault, RetentionEnforcer.effectivePolicy(Map.of(), brokerDefault));
        assertEquals(new RetentionPolicy(-1, 5000),
                RetentionEnforcer.effectivePolicy(Map.of("retention.ms", "-1"), brokerDefault));
        assertEquals(new RetentionPolicy(HOUR, 0),
                RetentionEnforcer.effectivePolicy(Map.of("retention.bytes", "0", "segment.bytes", "100"), brokerDefault));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> RetentionEnforcer.effectivePolicy(Map.of("retention.ms", "soon"), brokerDefault));
        assertTrue(bad.getMessage().contains("retention.ms"), bad.getMessage());
    }
}
