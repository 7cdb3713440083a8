package io.wharf.broker.metrics;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.metadata.PartitionState;
import io.wharf.metrics.JvmMetricsRegistry;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The Prometheus instruments of one broker node, in a registry of its own so that brokers sharing
 * a JVM (tests, tools) do not clash. The produce and fetch paths record into it through the typed
 * methods here; the partition gauges are computed from the hosted replicas at each scrape; ISR
 * changes are counted from the metadata by {@link MetadataMetrics}. Every name and label is listed
 * in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: every method may be called from any thread, concurrently with a scrape.
 */
public final class BrokerMetrics {

    /**
     * Classic buckets from 0.1 ms (a page-cache append) to 10 s (a long-poll or a stuck acks=all
     * wait), about 2.5x apart: dashboards without native histograms still see every decade.
     */
    static final double[] LATENCY_BUCKETS_SECONDS = {
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /**
     * Native buckets start with everything up to 10 µs in the zero bucket and may widen it to
     * 0.1 ms before losing resolution, so their 160 buckets stay on the range that matters.
     */
    private static final double NATIVE_MIN_ZERO_THRESHOLD_SECONDS = 0.00001;
    private static final double NATIVE_MAX_ZERO_THRESHOLD_SECONDS = 0.0001;
    private static final double NANOS_PER_SECOND = 1e9;
    /** The {@code cause} label of dead letters whose batch did not decode. */
    static final String UNDECODABLE_CAUSE = "<undecodable>";


    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Map<ProduceStage, DistributionDataPoint> produceStages = new EnumMap<>(ProduceStage.class);
    private final DistributionDataPoint produceRequests;
    private final Map<FetchKind, DistributionDataPoint> fetchRequests = new EnumMap<>(FetchKind.class);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Counter recordsIn;
    private final Counter recordsOut;
    private final Counter deadLettersIn;
    private final Counter isrShrinks;
    private final Counter isrExpands;

    /**
     * @param hostedPartitions the replicas this broker hosts, asked at every scrape for the
     *     partition gauges
     */
    public BrokerMetrics(Supplier<? extends Collection<Partition>> hostedPartitions) {
        Histogram stages = latencyHistogram("wharf_produce_stage_seconds",
                "Time a produce spent in each stage on the partition leader.", "stage");
        for (ProduceStage stage : ProduceStage.values()) {
            produceStages.put(stage, stages.labelValues(stage.label()));
        }
        produceRequests = latencyHistogram("wharf_produce_request_seconds",
                "Time from a produce request's arrival until its response was handed to gRPC.");
        Histogram fetches = latencyHistogram("wharf_fetch_request_seconds",
                "Time from a fetch request's arrival until its response was handed to gRPC, long-poll wait included.",
                "kind");
        for (FetchKind kind : FetchKind.values()) {
            fetchRequests.put(kind, fetches.labelValues(kind.label()));
        }
        bytesIn = topicCounter("wharf_bytes_in_total",
                "Bytes of record batches producers appended to partitions this broker leads.");
        bytesOut = topicCounter("wharf_bytes_out_total",
                "Bytes of record batches this broker sent to consumers (not to followers).");
        recordsIn = topicCounter("wharf_records_in_total",
                "Records producers appended to partitions this broker leads.");
        recordsOut = topicCounter("wharf_records_out_total",
                "Records this broker sent to consumers (not to followers), counted by whole batches.");
        deadLettersIn = Counter.builder().name("wharf_dead_letter_topic_records_in_total").withoutExemplars()
                .help("Records producers appended to dead-letter topics (named *" + DeadLetterTopics.SUFFIX
                        + ") this broker leads, by their " + DeadLetterTopics.CAUSE + " header.")
                .labelNames("topic", "cause").register(registry);
        isrShrinks = Counter.builder().name("wharf_isr_shrinks_total").withoutExemplars()
                .help("Committed ISR changes that removed a replica from a partition this broker leads.")
                .register(registry);
        isrExpands = Counter.builder().name("wharf_isr_expands_total").withoutExemplars()
                .help("Committed ISR changes that added a replica to a partition this broker leads.")
                .register(registry);
        registerPartitionGauges(hostedPartitions);
        registry.register(JvmMetricsRegistry.collector());
    }

    /** What the broker's {@code /metrics} endpoint serves. */
    public PrometheusRegistry registry() {
        return registry;
    }

    /**
     * One stage of one partition's produce on this leader.
     *
     * @param nanos the stage's duration, a difference of two {@link System#nanoTime()} readings
     */
    public void recordProduceStage(ProduceStage stage, long nanos) {
        produceStages.get(stage).observe(nanos / NANOS_PER_SECOND);
    }

    /**
     * One whole produce request, answered with success or an error.
     *
     * @param nanos from its arrival until its response was handed to gRPC
     */
    public void recordProduceRequest(long nanos) {
        produceRequests.observe(nanos / NANOS_PER_SECOND);
    }

    /**
     * One whole fetch request, answered with data, nothing or an error.
     *
     * @param nanos from its arrival until its response was handed to gRPC
     */
    public void recordFetchRequest(FetchKind kind, long nanos) {
        fetchRequests.get(kind).observe(nanos / NANOS_PER_SECOND);
    }

    /**
     * Batches a producer appended to {@code topic} on this leader. Counts from the batch headers;
     * does not move {@code batches}' position.
     */
    public void recordProduced(String topic, ByteBuffer batches) {
        bytesIn.labelValues(topic).inc(batches.remaining());
        recordsIn.labelValues(topic).inc(recordCount(batches));
        if (DeadLetterTopics.isDeadLetterTopic(topic)) {
            recordDeadLetters(topic, batches);
        }
    }

    /**
     * Dead-letter topics are written at the rate things fail, so decoding their records here costs
     * the produce path little. The log accepted these batches, so a batch that does not decode is
     * counted under a cause of its own rather than failing a produce that is already appended.
     */
    private void recordDeadLetters(String topic, ByteBuffer batches) {
        Map<String, Long> causes;
        try {
            causes = DeadLetterTopics.causes(batches);
        } catch (CorruptRecordException e) {
            causes = Map.of(UNDECODABLE_CAUSE, recordCount(batches));
        }
        causes.forEach((cause, records) -> deadLettersIn.labelValues(topic, cause).inc(records));
    }

    /**
     * Batches sent to a consumer from {@code topic}. Counts from the batch headers; does not move
     * {@code batches}' position.
     */
    public void recordConsumed(String topic, ByteBuffer batches) {
        bytesOut.labelValues(topic).inc(batches.remaining());
        recordsOut.labelValues(topic).inc(recordCount(batches));
    }

    void recordIsrShrink() {
        isrShrinks.inc();
    }

    void recordIsrExpand() {
        isrExpands.inc();
    }

    /** Drops a deleted topic's series, so deleted topics do not pile up in every scrape. */
    void forgetTopic(String topic) {
        bytesIn.remove(topic);
        bytesOut.remove(topic);
        recordsIn.remove(topic);
        recordsOut.remove(topic);
        deadLettersIn.removeIf(labels -> labels.get(0).equals(topic));
    }

    private void registerPartitionGauges(Supplier<? extends Collection<Partition>> hosted) {
        GaugeWithCallback.builder().name("wharf_partitions")
                .help("Partition replicas this broker hosts, led or followed.")
                .callback(callback -> callback.call(hosted.get().size()))
                .register(registry);
        GaugeWithCallback.builder().name("wharf_leader_partitions")
                .help("Hosted partitions this broker leads.")
                .callback(callback -> callback.call(count(hosted.get(), Partition::isLeader)))
                .register(registry);
        GaugeWithCallback.builder().name("wharf_under_replicated_partitions")
                .help("Partitions this broker leads whose ISR is smaller than their replica set.")
                .callback(callback -> callback.call(count(hosted.get(),
                        partition -> partition.isLeader() && isUnderReplicated(partition.state()))))
                .register(registry);
        GaugeWithCallback.builder().name("wharf_log_size_bytes").unit(Unit.BYTES)
                .help("Bytes in all segments of a hosted partition's log.")
                .labelNames("topic", "partition")
                .callback(callback -> {
                    for (Partition partition : hosted.get()) {
                        TopicPartition tp = partition.topicPartition();
                        callback.call(partition.log().sizeInBytes(), tp.topic(), Integer.toString(tp.partition()));
                    }
                })
                .register(registry);
    }

    /** Without exemplars: Wharf has no tracing, so sampling them would only cost the produce path. */
    private Histogram latencyHistogram(String name, String help, String... labelNames) {
        return Histogram.builder().name(name).unit(Unit.SECONDS).help(help).labelNames(labelNames)
                .withoutExemplars()
                .classicUpperBounds(LATENCY_BUCKETS_SECONDS)
                .nativeMinZeroThreshold(NATIVE_MIN_ZERO_THRESHOLD_SECONDS)
                .nativeMaxZeroThreshold(NATIVE_MAX_ZERO_THRESHOLD_SECONDS)
                .register(registry);
    }

    private Counter topicCounter(String name, String help) {
        return Counter.builder().name(name).help(help).labelNames("topic").withoutExemplars().register(registry);
    }

    private static boolean isUnderReplicated(PartitionState state) {
        // Null before the first assignment; such a replica leads nothing yet.
        return state != null && state.isr().size() < state.replicas().size();
    }

    private static int count(Collection<Partition> partitions, Predicate<Partition> which) {
        int count = 0;
        for (Partition partition : partitions) {
            if (which.test(partition)) {
                count++;
            }
        }
        return count;
    }

    private static long recordCount(ByteBuffer batches) {
        long records = 0;
        for (RecordBatch batch : RecordBatches.iterate(batches)) {
            records += batch.recordCount();
        }
        return records;
    }

}
