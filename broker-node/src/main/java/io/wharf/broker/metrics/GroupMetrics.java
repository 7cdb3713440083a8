package io.wharf.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.wharf.broker.group.GroupFigures;
import java.util.function.Supplier;

/**
 * The consumer group series ({@code wharf_consumer_group_*}), served by each group's coordinator
 * from the figures its lag sampler published last. Listed in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: a scrape reads the published figures once.
 */
public final class GroupMetrics implements MultiCollector {

    static final String MEMBERS = "wharf_consumer_group_members";
    static final String COMMITTED = "wharf_consumer_group_committed_offset";
    static final String LAG = "wharf_consumer_group_lag";

    private final Supplier<GroupFigures> figures;

    /** @param figures the last sample, asked once per scrape */
    public GroupMetrics(Supplier<GroupFigures> figures) {
        this.figures = figures;
    }

    @Override
    public MetricSnapshots collect() {
        GroupFigures sample = figures.get();
        GaugeSnapshot.Builder members = GaugeSnapshot.builder().name(MEMBERS)
                .help("Members of a consumer group this broker coordinates.");
        sample.members().forEach((group, count) -> members.dataPoint(GaugeDataPointSnapshot.builder()
                .labels(Labels.of("group", group)).value(count).build()));
        GaugeSnapshot.Builder committed = GaugeSnapshot.builder().name(COMMITTED)
                .help("The offset a consumer group committed for a partition: the next record it will read.");
        GaugeSnapshot.Builder lag = GaugeSnapshot.builder().name(LAG)
                .help("Records between a consumer group's committed offset and the partition's high watermark.");
        for (GroupFigures.PartitionLag partition : sample.partitions()) {
            Labels labels = Labels.of("group", partition.group(), "topic", partition.partition().topic(),
                    "partition", Integer.toString(partition.partition().partition()));
            committed.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(partition.committed()).build());
            // An unknown high watermark leaves the series out rather than serving a made-up lag.
            if (partition.lag() >= 0) {
                lag.dataPoint(GaugeDataPointSnapshot.builder().labels(labels).value(partition.lag()).build());
            }
        }
        return new MetricSnapshots(members.build(), committed.build(), lag.build());
    }
}
