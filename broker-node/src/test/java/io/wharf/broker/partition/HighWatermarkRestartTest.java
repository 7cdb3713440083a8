package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.LogFileChannels;
import io.wharf.replication.log.RetentionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker's replicas keep their high watermark across a restart through the data directory's
 * {@link HighWatermarkCheckpoint}: written periodically and on close, read when the replicas are
 * opened again, capped by the log end offset, and ignored (not fatal) when the file is damaged.
 */
class HighWatermarkRestartTest {

    private static final TopicPartition TP = new TopicPartition("t", 0);

    @TempDir
    Path dataDir;

    private final MetadataScript metadata = new MetadataScript();
    private PartitionState assigned;
    private PartitionRegistry registry;

    @BeforeEach
    void createTopic() {
        for (int id = 1; id <= 3; id++) {
            metadata.activate(id);
        }
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName(TP.topic()).setPartitions(1).setReplicationFactor(3)))
                .build());
        assigned = metadata.image().topic(TP.topic()).flatMap(t -> t.partition(0)).orElseThrow();
    }

    @AfterEach
    void close() {
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    void aRestartedLeaderStartsFromItsCheckpointedHighWatermark() {
        Partition leader = startLeader(Duration.ofHours(1));
        appendAndReplicate(leader, 5);
        assertEquals(5, leader.highWatermark());
        registry.close();
        assertEquals(Map.of(TP, 5L), new HighWatermarkCheckpoint(dataDir).read(), "written on close");

        Partition restarted = startLeader(Duration.ofHours(1));
        assertEquals(5, restarted.log().logEndOffset());
        assertEquals(5, restarted.highWatermark(), "no follower has fetched yet: the HW comes from the checkpoint");
        registry.close();
        assertEquals(Map.of(TP, 5L), new HighWatermarkCheckpoint(dataDir).read());
    }

    @Test
    void theCheckpointIsWrittenEveryInterval() {
        Partition leader = startLeader(Duration.ofMillis(20));
        appendAndReplicate(leader, 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> new HighWatermarkCheckpoint(dataDir).read()
                .equals(Map.of(TP, 3L)));
        appendAndReplicate(leader, 4);
        await().atMost(Duration.ofSeconds(5)).until(() -> new HighWatermarkCheckpoint(dataDir).read()
                .equals(Map.of(TP, 7L)));
    }

    @Test
    void aCheckpointedHighWatermarkPastTheLogEndIsCappedByIt() {
        Partition leader = startLeader(Duration.ofHours(1));
        appendAndReplicate(leader, 2);
        registry.close();
        // As after an unclean stop in lazy flush mode: the checkpoint outran what the log kept.
        new HighWatermarkCheckpoint(dataDir).write(Map.of(TP, 100L));
        Partition restarted = startLeader(Duration.ofHours(1));
        assertEquals(2, restarted.highWatermark());
    }

    @Test
    void aDamagedCheckpointIsIgnoredAndRewritten() throws IOException {
        Files.writeString(new HighWatermarkCheckpoint(dataDir).path(), "0\n2\nt 0 5\n", StandardCharsets.UTF_8);
        Partition leader = startLeader(Duration.ofMillis(20));
        assertEquals(0, leader.highWatermark(), "no usable checkpoint: the HW starts unknown, as without one");
        appendAndReplicate(leader, 1);
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try {
                return new HighWatermarkCheckpoint(dataDir).read().equals(Map.of(TP, 1L));
            } catch (RuntimeException stillDamaged) {
                return false;
            }
        });
    }

    /** A registry for the partition's leader broker, once it has taken leadership. */
    private Partition startLeader(Duration checkpointInterval) {
        registry = new PartitionRegistry(new PartitionRegistry.Settings(assigned.leader(), dataDir, FlushMode.SYNC, 5000,
                checkpointInterval, RetentionPolicy.KEEP_FOREVER, Duration.ofHours(1), Duration.ofDays(1),
                CleanerThreadTest.DISABLED, 1),
                Clock.systemUTC(), fsyncNanos -> { }, LogFileChannels.DEFAULT, CleanerThreadTest.IGNORED);
        registry.onImageChanged(MetadataImage.empty(), metadata.image());
        await().atMost(Duration.ofSeconds(10)).until(() -> registry.partition(TP).map(Partition::isLeader)
                .orElse(false));
        return registry.partition(TP).orElseThrow();
    }

    /**
     * Appends {@code records} single-record batches, lets both followers fetch up to the end and
     * waits for the HW to reach it.
     */
    private void appendAndReplicate(Partition leader, int records) {
        for (int i = 0; i < records; i++) {
            leader.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE).append(System.currentTimeMillis(), null,
                    ("r" + i).getBytes(StandardCharsets.UTF_8)).build(), 1, System.currentTimeMillis() + 10_000);
        }
        long end = leader.log().logEndOffset();
        for (int follower : assigned.replicas()) {
            if (follower != assigned.leader()) {
                LeaderReads.replicaFetch(leader, follower, end, end, assigned.leaderEpoch(), assigned.leaderEpoch(),
                        1 << 20);
            }
        }
        // The leader's own fsync runs on its directory's fsync thread: the HW passes once it did too.
        await().atMost(Duration.ofSeconds(10)).until(() -> leader.highWatermark() == end);
    }
}
