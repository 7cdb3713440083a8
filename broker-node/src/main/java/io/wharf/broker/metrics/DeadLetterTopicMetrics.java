package io.wharf.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.OffsetOutOfRangeException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The depth and the oldest dead letter of each partition of a dead-letter topic
 * ({@link DeadLetterTopics}) this broker leads, computed at each scrape: the figures
 * {@code wharf dlq list} prints for a dead-letter topic, without reading it through a consumer.
 * Only the leader serves a partition's series, so summed over the brokers each is the cluster's.
 *
 * <p>Thread-safe. A scrape reads one batch per partition whose log start moved since the last
 * scrape (the age of the first record is cached by log start offset), nothing otherwise.
 */
public final class DeadLetterTopicMetrics implements MultiCollector {

    static final String DEPTH = "wharf_dead_letter_topic_records";
    static final String OLDEST_AGE = "wharf_dead_letter_topic_oldest_record_age_seconds";
    private static final double MILLIS_PER_SECOND = 1000.0;
    /** Log.read returns at least one whole batch, whatever this says. */
    private static final int ONE_BATCH = 1;

    /** The timestamp of the first record at or above {@code logStart}. */
    private record FirstRecord(long logStart, long timestampMs) {
    }

    private final Supplier<? extends Collection<Partition>> hosted;
    private final Clock clock;
    private final Map<TopicPartition, FirstRecord> firstRecords = new ConcurrentHashMap<>();

    /**
     * @param hosted the replicas this broker hosts, asked once per scrape
     * @param clock  what a scrape measures ages against
     */
    public DeadLetterTopicMetrics(Supplier<? extends Collection<Partition>> hosted, Clock clock) {
        this.hosted = hosted;
        this.clock = clock;
    }

    @Override
    public MetricSnapshots collect() {
        long nowMs = clock.millis();
        GaugeSnapshot.Builder depth = GaugeSnapshot.builder().name(DEPTH)
                .help("Records between the log start and the high watermark of a dead-letter topic's partition this "
                        + "broker leads.");
        GaugeSnapshot.Builder oldest = GaugeSnapshot.builder().name(OLDEST_AGE)
                .help("Seconds since the first record of a dead-letter topic's partition this broker leads was "
                        + "written (its timestamp); 0 when the partition is empty.");
        List<TopicPartition> served = new ArrayList<>();
        for (Partition partition : hosted.get()) {
            TopicPartition tp = partition.topicPartition();
            if (!DeadLetterTopics.isDeadLetterTopic(tp.topic()) || !partition.isLeader()) {
                continue;
            }
            long logStart = partition.log().logStartOffset();
            long highWatermark = partition.highWatermark();
            Labels labels = Labels.of("topic", tp.topic(), "partition", Integer.toString(tp.partition()));
            depth.dataPoint(GaugeDataPointSnapshot.builder().labels(labels)
                    .value(Math.max(0, highWatermark - logStart)).build());
            double age = 0;
            if (highWatermark > logStart) {
                long timestampMs = firstRecordTimestamp(partition, logStart);
                age = timestampMs < 0 ? 0 : Math.max(0, nowMs - timestampMs) / MILLIS_PER_SECOND;
            }
            oldest.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(age).build());
            served.add(tp);
        }
        firstRecords.keySet().retainAll(served);
        return new MetricSnapshots(depth.build(), oldest.build());
    }

    /**
     * The timestamp of the first record at or above {@code logStart}, or -1 when retention moved
     * the log start meanwhile (the next scrape reads the new first batch).
     */
    private long firstRecordTimestamp(Partition partition, long logStart) {
        FirstRecord cached = firstRecords.get(partition.topicPartition());
        if (cached != null && cached.logStart() == logStart) {
            return cached.timestampMs();
        }
        ByteBuffer batch;
        try {
            batch = partition.log().readCopy(logStart, ONE_BATCH, Long.MAX_VALUE);
        } catch (OffsetOutOfRangeException e) {
            return -1;
        }
        for (RecordBatch read : RecordBatches.iterate(batch)) {
            for (Record record : read.records()) {
                if (record.offset() >= logStart) {
                    firstRecords.put(partition.topicPartition(), new FirstRecord(logStart, record.timestamp()));
                    return record.timestamp();
                }
            }
        }
        return -1;
    }
}
