package io.wharf.broker.metrics;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.snapshots.Unit;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.CleaningListener;
import io.wharf.replication.log.CleanResult;

/**
 * The log cleaner's instruments, in the broker's registry ({@link BrokerMetrics#registry()}):
 * what it read and removed, and how dirty the dirtiest compacted log was at its last round (Kafka's
 * {@code max-dirty-percent}, as a ratio). Listed in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: the cleaner thread records while a scrape reads.
 */
public final class CleanerMetrics implements CleaningListener {

    private static final double NANOS_PER_SECOND = 1e9;

    private final Counter cleanings;
    private final Counter readBytes;
    private final Counter removedBytes;
    private final Counter removedRecords;
    private final Gauge lastCleaningSeconds;
    private final Gauge maxDirtyRatio;

    /** Registers the instruments in {@code metrics}' registry. */
    public CleanerMetrics(BrokerMetrics metrics) {
        cleanings = Counter.builder().name("wharf_log_cleaner_cleanings_total").withoutExemplars()
                .help("Cleanings that compacted a log further.")
                .register(metrics.registry());
        readBytes = Counter.builder().name("wharf_log_cleaner_read_bytes_total").withoutExemplars()
                .help("Bytes of segments the log cleaner read (building the key map and rewriting).")
                .register(metrics.registry());
        removedBytes = Counter.builder().name("wharf_log_cleaner_removed_bytes_total").withoutExemplars()
                .help("Bytes by which cleanings shrank the logs they rewrote.")
                .register(metrics.registry());
        removedRecords = Counter.builder().name("wharf_log_cleaner_removed_records_total").withoutExemplars()
                .help("Superseded records and expired tombstones the log cleaner dropped.")
                .register(metrics.registry());
        lastCleaningSeconds = Gauge.builder().name("wharf_log_cleaner_last_cleaning_seconds").unit(Unit.SECONDS)
                .withoutExemplars()
                .help("How long the last cleaning took, throttling included.")
                .register(metrics.registry());
        maxDirtyRatio = Gauge.builder().name("wharf_log_cleaner_max_dirty_ratio").withoutExemplars()
                .help("The highest share of not yet compacted bytes among the compacted logs this broker hosts, "
                        + "as the log cleaner's last round measured it.")
                .register(metrics.registry());
    }

    @Override
    public void measured(double ratio) {
        maxDirtyRatio.set(ratio);
    }

    @Override
    public void cleaned(TopicPartition partition, CleanResult result, long nanos) {
        cleanings.inc();
        readBytes.inc(result.bytesRead());
        // A cleaning never grows a log; should a rewrite come out larger, it removed nothing.
        removedBytes.inc(Math.max(0, result.bytesBefore() - result.bytesAfter()));
        removedRecords.inc(result.recordsRemoved());
        lastCleaningSeconds.set(nanos / NANOS_PER_SECOND);
    }
}
