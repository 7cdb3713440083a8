package io.wharf.controller;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metrics.JvmMetricsRegistry;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The Prometheus instruments of one controller, in a registry of its own so that controllers
 * sharing a JVM (tests) keep their series apart. Raft progress and broker counts are read from
 * the node at each scrape; leader changes and command latencies are recorded as they happen.
 * Every name is listed in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: every method may be called from any thread, concurrently with a scrape.
 */
final class ControllerMetrics {

    /**
     * Classic buckets from 1 ms (a commit on an idle local quorum) to 10 s (a write retried through
     * elections until {@code quorum.retry.max.ms}), about 2.5x apart.
     */
    private static final double[] COMMAND_BUCKETS_SECONDS = {
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final double NANOS_PER_SECOND = 1e9;


    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter leaderChanges;
    private final DistributionDataPoint commands;
    private final Object leaderLock = new Object();
    private RaftPeerId lastLeader;
    private long lastLeaderChangeNanos;

    /**
     * @param node the controller whose Raft progress and metadata image the gauges report; only
     *     read at scrapes
     * @param startNanos when the controller started ({@link System#nanoTime()}), the age reported
     *     until it sees its first leader
     */
    ControllerMetrics(ControllerNode node, long startNanos) {
        this.lastLeaderChangeNanos = startNanos;
        leaderChanges = Counter.builder().name("wharf_controller_leader_changes_total").withoutExemplars()
                .help("Times this controller saw the quorum's leader change to another controller.")
                .register(registry);
        commands = Histogram.builder().name("wharf_controller_command_seconds").unit(Unit.SECONDS)
                .help("Time from a metadata write submitted through this controller until it was committed"
                        + " and applied, or failed.")
                .withoutExemplars()
                .classicUpperBounds(COMMAND_BUCKETS_SECONDS)
                .register(registry);
        gauge("wharf_controller_is_leader",
                "1 while this controller is the active controller (Raft leader with its log applied), else 0.",
                () -> node.isActive() ? 1 : 0);
        gauge("wharf_controller_raft_term", "The Raft term this controller is in; -1 when its Raft server is down.",
                node::term);
        gauge("wharf_controller_raft_commit_index", "The highest Raft log index this controller knows committed.",
                node::commitIndex);
        gauge("wharf_controller_raft_applied_index", "The highest Raft log index this controller has applied.",
                node::appliedIndex);
        GaugeWithCallback.builder().name("wharf_controller_since_leader_change_seconds").unit(Unit.SECONDS)
                .help("Seconds since this controller last saw the leader change (since its start before it saw one).")
                .callback(callback -> callback.call(secondsSinceLeaderChange()))
                .register(registry);
        gauge("wharf_controller_registered_brokers",
                "Brokers registered in this controller's metadata image, fenced or not.",
                () -> node.image().brokers().size());
        gauge("wharf_controller_fenced_brokers",
                "Registered brokers fenced in this controller's metadata image.",
                () -> countFenced(node.image()));
        registry.register(JvmMetricsRegistry.collector());
    }

    /** What the controller's {@code /metrics} endpoint serves. */
    PrometheusRegistry registry() {
        return registry;
    }

    /** Raft names {@code leader} as the leader (null during an election); counts a change of leader. */
    void leaderChanged(RaftPeerId leader) {
        if (leader == null) {
            return;
        }
        synchronized (leaderLock) {
            if (Objects.equals(leader, lastLeader)) {
                return;
            }
            lastLeader = leader;
            lastLeaderChangeNanos = System.nanoTime();
        }
        leaderChanges.inc();
    }

    /**
     * One metadata write through this controller, committed or failed.
     *
     * @param nanos from its submission until its outcome, a difference of two {@link System#nanoTime()} readings
     */
    void recordCommand(long nanos) {
        commands.observe(nanos / NANOS_PER_SECOND);
    }

    private double secondsSinceLeaderChange() {
        long since;
        synchronized (leaderLock) {
            since = lastLeaderChangeNanos;
        }
        return (System.nanoTime() - since) / NANOS_PER_SECOND;
    }

    private void gauge(String name, String help, Supplier<Number> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(callback -> callback.call(value.get().doubleValue()))
                .register(registry);
    }

    private static int countFenced(MetadataImage image) {
        int fenced = 0;
        for (BrokerRegistration broker : image.brokers().values()) {
            if (broker.fenced()) {
                fenced++;
            }
        }
        return fenced;
    }

}
