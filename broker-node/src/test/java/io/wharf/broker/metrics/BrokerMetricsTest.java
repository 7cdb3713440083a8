package io.wharf.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.ReplicaContext;
import io.wharf.metadata.PartitionState;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What each recording method and gauge puts in the exposition a scrape would serve. */
class BrokerMetricsTest {

    @TempDir
    Path dir;

    private final List<Partition> hosted = new CopyOnWriteArrayList<>();
    private final BrokerMetrics metrics = new BrokerMetrics(() -> hosted);
    private final ManualClock clock = new ManualClock(1_000_000);
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private final List<Partition> opened = new ArrayList<>();

    @AfterEach
    void close() {
        opened.forEach(Partition::close);
        timer.shutdownNow();
    }

    @Test
    void everyStageAndKindIsServedFromTheStartAndObservationsLandInTheirBuckets() {
        Exposition empty = Exposition.scrape(metrics.registry());
        assertEquals(Optional.of("histogram"), empty.type("wharf_produce_stage_seconds"));
        for (ProduceStage stage : ProduceStage.values()) {
            assertEquals(0.0, empty.value("wharf_produce_stage_seconds_count", "stage", stage.label()).orElseThrow());
        }
        for (FetchKind kind : FetchKind.values()) {
            assertEquals(0.0, empty.value("wharf_fetch_request_seconds_count", "kind", kind.label()).orElseThrow());
        }

        metrics.recordProduceStage(ProduceStage.QUEUED, TimeUnit.MICROSECONDS.toNanos(50));
        metrics.recordProduceStage(ProduceStage.LOCAL_FSYNC, TimeUnit.MILLISECONDS.toNanos(2));
        metrics.recordProduceStage(ProduceStage.LOCAL_FSYNC, TimeUnit.MILLISECONDS.toNanos(4));
        metrics.recordProduceRequest(TimeUnit.MILLISECONDS.toNanos(7));
        metrics.recordFetchRequest(FetchKind.FOLLOWER, TimeUnit.SECONDS.toNanos(12));

        Exposition scraped = Exposition.scrape(metrics.registry());
        assertEquals(1.0, scraped.value("wharf_produce_stage_seconds_bucket", "stage", "queued", "le", "1.0E-4")
                .orElseThrow(), "50 µs is in the first bucket");
        assertEquals(0.0, scraped.value("wharf_produce_stage_seconds_bucket", "stage", "local_fsync", "le", "0.001")
                .orElseThrow());
        assertEquals(1.0, scraped.value("wharf_produce_stage_seconds_bucket", "stage", "local_fsync", "le", "0.0025")
                .orElseThrow());
        assertEquals(2.0, scraped.value("wharf_produce_stage_seconds_bucket", "stage", "local_fsync", "le", "0.005")
                .orElseThrow());
        assertEquals(2.0, scraped.value("wharf_produce_stage_seconds_count", "stage", "local_fsync").orElseThrow());
        assertEquals(0.006, scraped.value("wharf_produce_stage_seconds_sum", "stage", "local_fsync").orElseThrow(),
                1e-12);
        assertEquals(0.0, scraped.value("wharf_produce_stage_seconds_count", "stage", "append").orElseThrow());
        assertEquals(1.0, scraped.value("wharf_produce_request_seconds_count").orElseThrow());
        assertEquals(0.007, scraped.value("wharf_produce_request_seconds_sum").orElseThrow(), 1e-12);
        assertEquals(0.0, scraped.value("wharf_fetch_request_seconds_bucket", "kind", "follower", "le", "10.0")
                .orElseThrow(), "12 s is past the last bound");
        assertEquals(1.0, scraped.value("wharf_fetch_request_seconds_bucket", "kind", "follower", "le", "+Inf")
                .orElseThrow());
        assertEquals(0.0, scraped.value("wharf_fetch_request_seconds_count", "kind", "consumer").orElseThrow());
        List<String> bounds = scraped.samples("wharf_produce_request_seconds_bucket").stream()
                .map(sample -> sample.labels().get("le")).toList();
        assertEquals(BrokerMetrics.LATENCY_BUCKETS_SECONDS.length + 1, bounds.size(), bounds.toString());
    }

    @Test
    void producedAndConsumedBatchesCountTheirBytesAndRecordsPerTopic() {
        ByteBuffer twoBatches = concat(batch("a", "b", "c"), batch("d", "e"));
        int position = twoBatches.position();
        metrics.recordProduced("orders", twoBatches);
        metrics.recordProduced("orders", batch("f"));
        metrics.recordProduced("audit", batch("g"));
        metrics.recordConsumed("orders", twoBatches);

        assertEquals(position, twoBatches.position(), "the caller's buffer is not consumed");
        Exposition scraped = Exposition.scrape(metrics.registry());
        assertEquals(Optional.of("counter"), scraped.type("wharf_bytes_in_total"));
        assertEquals(twoBatches.remaining() + batch("f").remaining(),
                scraped.value("wharf_bytes_in_total", "topic", "orders").orElseThrow());
        assertEquals(6.0, scraped.value("wharf_records_in_total", "topic", "orders").orElseThrow());
        assertEquals(1.0, scraped.value("wharf_records_in_total", "topic", "audit").orElseThrow());
        assertEquals(twoBatches.remaining(), scraped.value("wharf_bytes_out_total", "topic", "orders").orElseThrow());
        assertEquals(5.0, scraped.value("wharf_records_out_total", "topic", "orders").orElseThrow());
        assertTrue(scraped.value("wharf_records_out_total", "topic", "audit").isEmpty(), "nothing consumed from audit");

        metrics.forgetTopic("orders");
        Exposition afterDelete = Exposition.scrape(metrics.registry());
        assertTrue(afterDelete.samples("wharf_bytes_in_total", "topic", "orders").isEmpty());
        assertTrue(afterDelete.samples("wharf_records_out_total", "topic", "orders").isEmpty());
        assertEquals(1.0, afterDelete.value("wharf_records_in_total", "topic", "audit").orElseThrow());
    }

    @Test
    void partitionGaugesAreComputedFromTheHostedReplicasAtEachScrape() {
        Partition fullyReplicated = open("orders", 0);
        fullyReplicated.becomeLeader(state(0, 1, List.of(1, 2), List.of(1, 2)), 1);
        Partition underReplicated = open("orders", 1);
        underReplicated.becomeLeader(state(1, 1, List.of(1, 2), List.of(1)), 1);
        Partition followed = open("audit", 0);
        followed.becomeFollower(state(0, 2, List.of(1, 2), List.of(2)));
        hosted.addAll(List.of(fullyReplicated, underReplicated, followed));
        underReplicated.appendAsLeader(batch("x", "y"), 1, clock.millis() + 1000);

        Exposition scraped = Exposition.scrape(metrics.registry());
        assertEquals(3.0, scraped.value("wharf_partitions").orElseThrow());
        assertEquals(2.0, scraped.value("wharf_leader_partitions").orElseThrow());
        assertEquals(1.0, scraped.value("wharf_under_replicated_partitions").orElseThrow(),
                "a followed partition's ISR is its leader's business");
        assertEquals((double) underReplicated.log().sizeInBytes(),
                scraped.value("wharf_log_size_bytes", "topic", "orders", "partition", "1").orElseThrow());
        assertTrue(underReplicated.log().sizeInBytes() > 0);
        assertEquals(0.0, scraped.value("wharf_log_size_bytes", "topic", "audit", "partition", "0").orElseThrow());

        hosted.remove(underReplicated);
        Exposition later = Exposition.scrape(metrics.registry());
        assertEquals(2.0, later.value("wharf_partitions").orElseThrow());
        assertEquals(0.0, later.value("wharf_under_replicated_partitions").orElseThrow());
        assertTrue(later.samples("wharf_log_size_bytes", "partition", "1").isEmpty());
    }

    @Test
    void brokersInOneJvmKeepTheirOwnSeriesAndBothServeTheJvmMetrics() {
        BrokerMetrics other = new BrokerMetrics(List::of);
        metrics.recordProduceRequest(1000);

        Exposition mine = Exposition.scrape(metrics.registry());
        Exposition theirs = Exposition.scrape(other.registry());
        assertEquals(1.0, mine.value("wharf_produce_request_seconds_count").orElseThrow());
        assertEquals(0.0, theirs.value("wharf_produce_request_seconds_count").orElseThrow());
        for (Exposition scraped : List.of(mine, theirs)) {
            assertFalse(scraped.samples("jvm_memory_used_bytes", "area", "heap").isEmpty());
            assertTrue(scraped.value("jvm_threads_current").orElseThrow() > 0);
            assertFalse(scraped.samples("jvm_gc_collection_seconds_count").isEmpty());
        }
    }

    private Partition open(String topic, int index) {
        timer.setRemoveOnCancelPolicy(true);
        Log log = Log.open(dir.resolve(topic + "-" + index), LogConfig.defaults(), clock);
        Partition partition = new Partition(new TopicPartition(topic, index), "id-" + topic, log,
                new ReplicaContext(1, clock, 5000, timer, flushed -> { }));
        opened.add(partition);
        return partition;
    }

    private static PartitionState state(int index, int leader, List<Integer> replicas, List<Integer> isr) {
        return new PartitionState(index, replicas, isr, leader, 1, 0);
    }

    private static ByteBuffer batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (String value : values) {
            builder.append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private static ByteBuffer concat(ByteBuffer... buffers) {
        ByteBuffer joined = ByteBuffer.allocate(Arrays.stream(buffers).mapToInt(ByteBuffer::remaining).sum());
        for (ByteBuffer buffer : buffers) {
            joined.put(buffer.duplicate());
        }
        return joined.flip();
    }
}
