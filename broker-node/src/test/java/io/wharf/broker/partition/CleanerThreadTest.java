package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.CleanResult;
import io.wharf.replication.log.CleanableSection;
import io.wharf.replication.log.CleanupPolicy;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker's cleaner thread over real replicas: only compacted topics, the dirtiest first, up to
 * each replica's high watermark, one failing partition not stopping the others, and a close that
 * stops a throttled cleaning at once without breaking its log.
 */
class CleanerThreadTest {

    /** Settings of a registry that runs no cleaner (other tests of this package). */
    static final CleanerSettings DISABLED = new CleanerSettings(false, 1024 * 1024, OptionalLong.empty(),
            Duration.ofSeconds(15));
    /** A listener for registries whose cleaner's work nobody checks. */
    static final CleaningListener IGNORED = new CleaningListener() {
        @Override
        public void measured(double maxDirtyRatio) {
        }

        @Override
        public void cleaned(TopicPartition partition, CleanResult result, long nanos) {
        }
    };

    private static final int KEYS = 4;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final List<Partition> hosted = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private final MetadataScript metadata = new MetadataScript();
    private final ScheduledExecutorService ackTimer = Executors.newSingleThreadScheduledExecutor();
    private final List<TopicPartition> cleaned = new CopyOnWriteArrayList<>();
    private final List<CleanResult> results = new CopyOnWriteArrayList<>();
    private final List<Double> maxDirtyRatios = new CopyOnWriteArrayList<>();
    private final CleaningListener recorder = new CleaningListener() {
        @Override
        public void measured(double maxDirtyRatio) {
            maxDirtyRatios.add(maxDirtyRatio);
        }

        @Override
        public void cleaned(TopicPartition partition, CleanResult result, long nanos) {
            cleaned.add(partition);
            results.add(result);
        }
    };

    @BeforeEach
    void createTopics() {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("plain").setPartitions(1).setReplicationFactor(1))
                .addTopics(TopicSpec.newBuilder().setName("compacted").setPartitions(2).setReplicationFactor(1)
                        .putConfigs("cleanup.policy", "compact"))).build());
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

    private CleanerThread cleaner(OptionalLong ioLimit, Duration backoff) {
        CleanerThread cleaner = new CleanerThread(1, () -> hosted, new CleanerSettings(true, 1024 * 1024, ioLimit, backoff),
                recorder, System::nanoTime);
        toClose.add(0, cleaner);
        return cleaner;
    }

    private static LogConfig config(CleanupPolicy policy) {
        return LogConfig.builder().segmentBytes(300).cleanupPolicy(policy).build();
    }

    /** One-record batches whose keys cycle through {@value #KEYS} keys, each value naming its offset. */
    private static ByteBuffer keyed(long offset, long timestamp) {
        return new RecordBatchBuilder(CompressionType.NONE).append(timestamp,
                ("key-" + offset % KEYS).getBytes(StandardCharsets.UTF_8),
                ("value-" + offset).getBytes(StandardCharsets.UTF_8)).build();
    }

    /** A replica of {@code topic}-{@code partition} led here, with {@code records} keyed records in small segments. */
    private Partition leaderWith(String topic, int partition, CleanupPolicy policy, int records) {
        PartitionState state = metadata.image().topic(topic).flatMap(t -> t.partition(partition)).orElseThrow();
        Log log = Log.open(dir.resolve(topic + "-" + partition), config(policy), clock);
        Partition replica = new Partition(new TopicPartition(topic, partition),
                metadata.image().topic(topic).orElseThrow().topicId(), log, context());
        toClose.add(replica);
        replica.becomeLeader(state, 1);
        for (int i = 0; i < records; i++) {
            replica.appendAsLeader(keyed(i, clock.millis()), -1, clock.millis() + 10_000);
        }
        assertEquals(records, replica.highWatermark(), "a single-replica ISR: the HW follows the log end");
        assertTrue(log.segmentBaseOffsets().size() > 3, log.toString());
        hosted.add(replica);
        return replica;
    }

    /** Every record of the log, segment by segment (a read stops at a segment's end). */
    private static List<Record> records(Log log) {
        List<Record> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer copy = log.readCopy(offset, 1 << 20, log.logEndOffset());
            if (!copy.hasRemaining()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.iterate(copy)) {
                out.addAll(batch.records());
                offset = batch.nextOffset();
            }
        }
        return out;
    }

    /** The value of the latest record of each key. */
    private static Map<String, String> latestByKey(Log log) {
        Map<String, String> latest = new HashMap<>();
        for (Record record : records(log)) {
            latest.put(new String(record.key(), StandardCharsets.UTF_8), new String(record.value(), StandardCharsets.UTF_8));
        }
        return latest;
    }

    private static int recordCount(Log log) {
        return records(log).size();
    }

    private static CleanableSection section(long clean, long dirty, boolean due) {
        return new CleanableSection(0, 100, clean, dirty, due);
    }

    // ---- without compaction in the log: the cleaner's own decisions ----

    @Test
    void aRoundTriesTheDirtiestLogsWorthCleaningFirst() {
        List<CleanerThread.Measured> measured = List.of(
                new CleanerThread.Measured(new TopicPartition("half", 0), section(100, 100, false), 0.5),
                new CleanerThread.Measured(new TopicPartition("never-cleaned", 0), section(0, 100, false), 0.5),
                new CleanerThread.Measured(new TopicPartition("barely-dirty", 0), section(900, 100, false), 0.5),
                new CleanerThread.Measured(new TopicPartition("due-by-max-lag", 0), section(900, 100, true), 0.5),
                new CleanerThread.Measured(new TopicPartition("eager", 0), section(900, 100, false), 0.1),
                new CleanerThread.Measured(new TopicPartition("clean", 0), section(1000, 0, true), 0),
                new CleanerThread.Measured(new TopicPartition("also-half", 1), section(50, 50, false), 0.5),
                new CleanerThread.Measured(new TopicPartition("also-half", 0), section(50, 50, false), 0.5));
        assertEquals(List.of("never-cleaned-0", "also-half-0", "also-half-1", "half-0", "due-by-max-lag-0", "eager-0"),
                CleanerThread.cleaningOrder(measured).stream().map(m -> m.partition().toString()).toList());
    }

    @Test
    void closeEndsThePauseBetweenRoundsAtOnce() {
        CleanerThread cleaner = cleaner(OptionalLong.empty(), Duration.ofHours(1));
        cleaner.start();
        Thread thread = await().atMost(Duration.ofSeconds(10)).until(() -> cleanerThread().orElse(null),
                t -> t != null && t.getState() == Thread.State.TIMED_WAITING);
        assertTrue(thread.isDaemon(), "the cleaner never keeps the JVM alive");
        assertEquals(List.of(0.0), maxDirtyRatios, "one round over no compacted log, then the hour's pause");
        assertTimeoutPreemptively(Duration.ofSeconds(5), cleaner::close);
        assertTrue(!thread.isAlive(), "closed");
    }

    private static boolean isThrottled(Thread thread) {
        return thread.getState() == Thread.State.TIMED_WAITING && Arrays.stream(thread.getStackTrace())
                .anyMatch(frame -> frame.getClassName().equals(RateThrottle.class.getName()));
    }

    private static Optional<Thread> cleanerThread() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("broker-1-log-cleaner")).findFirst();
    }

    // ---- with the log's compaction (Log.clean) ----

    @Test
    void onlyCompactedLogsAreCleanedKeepingTheLatestRecordOfEachKey() throws InterruptedException {
        Partition plain = leaderWith("plain", 0, CleanupPolicy.DELETE, 40);
        Partition first = leaderWith("compacted", 0, CleanupPolicy.COMPACT, 40);
        Partition second = leaderWith("compacted", 1, CleanupPolicy.COMPACT, 40);
        Map<String, String> latest = latestByKey(first.log());
        long plainSize = plain.log().sizeInBytes();
        long firstSize = first.log().sizeInBytes();
        CleanerThread cleaner = cleaner(OptionalLong.empty(), Duration.ofHours(1));

        assertEquals(Optional.of(first.topicPartition()), cleaner.runOnce(), "equally dirty: in partition order");
        assertEquals(Optional.of(second.topicPartition()), cleaner.runOnce());
        assertEquals(Optional.empty(), cleaner.runOnce(), "nothing is dirty any more");

        assertEquals(List.of(first.topicPartition(), second.topicPartition()), cleaned);
        assertEquals(1.0, maxDirtyRatios.get(0), "never cleaned: all of it is dirty");
        assertTrue(first.log().sizeInBytes() < firstSize, first.log().toString());
        assertTrue(results.get(0).recordsRemoved() > 0 && results.get(0).bytesAfter() < results.get(0).bytesBefore(),
                results.get(0).toString());
        assertEquals(latest, latestByKey(first.log()), "the latest value of every key is kept");
        assertTrue(recordCount(first.log()) < 40, "superseded records are gone");
        assertEquals(40, first.log().logEndOffset(), "offsets are unchanged");
        assertEquals(plainSize, plain.log().sizeInBytes(), "a topic that does not compact is not touched");
        assertEquals(40, recordCount(plain.log()));
    }

    @Test
    void nothingAtOrAboveTheHighWatermarkIsCleaned() throws InterruptedException {
        PartitionState state = metadata.image().topic("compacted").flatMap(t -> t.partition(0)).orElseThrow();
        Log log = Log.open(dir.resolve("compacted-0"), config(CleanupPolicy.COMPACT), clock);
        for (int i = 0; i < 40; i++) {
            log.appendAsLeader(keyed(i, clock.millis()), 0);
        }
        Partition follower = new Partition(new TopicPartition("compacted", 0),
                metadata.image().topic("compacted").orElseThrow().topicId(), log, context());
        toClose.add(follower);
        // It follows broker 2 and has not learned a high watermark from it yet.
        follower.becomeFollower(new PartitionState(state.partition(), List.of(1, 2), List.of(1, 2), 2,
                state.leaderEpoch() + 1, state.partitionEpoch() + 1));
        hosted.add(follower);
        CleanerThread cleaner = cleaner(OptionalLong.empty(), Duration.ofHours(1));
        assertEquals(Optional.empty(), cleaner.runOnce());
        assertEquals(40, recordCount(log));

        follower.applyFromLeader(state.leaderEpoch() + 1, ByteBuffer.allocate(0), 20, -1, Optional.empty());
        assertEquals(Optional.of(follower.topicPartition()), cleaner.runOnce());
        assertTrue(results.get(0).firstDirtyOffsetAfter() <= 20, results.get(0).toString());
        assertTrue(recordCount(log) > 20, "records from the high watermark on are all still there: " + log);
    }

    @Test
    void aFailingPartitionIsLoggedAndTheOthersGoOn() throws InterruptedException {
        Partition broken = leaderWith("compacted", 0, CleanupPolicy.COMPACT, 40);
        Partition healthy = leaderWith("compacted", 1, CleanupPolicy.COMPACT, 40);
        broken.log().close();  // every call on its log now fails; unbroken, it would be cleaned first
        CleanerThread cleaner = cleaner(OptionalLong.empty(), Duration.ofHours(1));
        assertEquals(Optional.of(healthy.topicPartition()), cleaner.runOnce());
        assertEquals(Optional.empty(), cleaner.runOnce(), "the broken one waits for the next pause");
        assertEquals(List.of(healthy.topicPartition()), cleaned);
    }

    @Test
    void theCleanerRunsOnItsOwnThreadUntilClosed() {
        Partition compacted = leaderWith("compacted", 0, CleanupPolicy.COMPACT, 40);
        CleanerThread cleaner = cleaner(OptionalLong.empty(), Duration.ofMillis(20));
        cleaner.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> cleaned.contains(compacted.topicPartition()));
        cleaner.close();
        int cleanings = cleaned.size();
        for (int i = 40; i < 80; i++) {
            compacted.appendAsLeader(keyed(i, clock.millis()), -1, clock.millis() + 10_000);
        }
        assertTrue(compacted.log().compaction().cleanableSection(compacted.highWatermark()).worthCleaning(0.5));
        assertEquals(cleanings, cleaned.size(), "a closed cleaner cleans nothing more");
    }

    @Test
    void closeStopsAThrottledCleaningAtOnceAndLeavesItsLogWhole() {
        Partition compacted = leaderWith("compacted", 0, CleanupPolicy.COMPACT, 200);
        Map<String, String> latest = latestByKey(compacted.log());
        CleanerThread cleaner = cleaner(OptionalLong.of(1), Duration.ofHours(1));  // one byte per second
        cleaner.start();
        // The throttle holds the cleaning as soon as it has read its first chunk.
        await().atMost(Duration.ofSeconds(10)).until(() -> cleanerThread().map(CleanerThreadTest::isThrottled)
                .orElse(false));
        assertTimeoutPreemptively(Duration.ofSeconds(5), cleaner::close);
        assertEquals(List.of(), cleaned, "the cleaning never finished");
        assertEquals(200, recordCount(compacted.log()), "nothing was swapped in");
        assertEquals(latest, latestByKey(compacted.log()));
        assertEquals(0, compacted.log().compaction().cleanableSection(compacted.highWatermark()).firstDirtyOffset());
    }
}
