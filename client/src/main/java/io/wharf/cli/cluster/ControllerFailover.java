package io.wharf.cli.cluster;

import io.grpc.ManagedChannel;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.AdminClientConfig;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.admin.TopicOutcome;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Measures controller failover on a local cluster: kills the leader with SIGKILL and times until a
 * surviving controller commits a metadata write (CreateTopics of a throwaway one-partition topic),
 * then deletes that topic, restarts the killed controller and waits for a caught-up quorum (every
 * controller following at the leader's applied index, every broker active) before the next trial. Single-threaded; owned by its caller.
 */
public final class ControllerFailover {

    /** Probe topics start with this; a probe left by an interrupted run can be deleted by the name. */
    public static final String PROBE_PREFIX = "__failover_probe_";
    /**
     * Short, so a survivor stuck on a request does not hold the probe; an abandoned attempt that
     * commits after all is seen by the retry as TOPIC_ALREADY_EXISTS.
     */
    private static final Duration WRITE_ATTEMPT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration WRITE_TOTAL_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration WRITE_RETRY_BACKOFF = Duration.ofMillis(5);
    /**
     * Pause between a healthy quorum and the kill, so the restarted controller's JVM has warmed up a
     * little and its heartbeats have settled (the Ratis primer's benchmark settled for about 1 s too).
     */
    private static final Duration SETTLE = Duration.ofSeconds(1);

    private final LocalCluster cluster;
    private final Duration healthTimeout;
    private final Function<Endpoint, ManagedChannel> channels;

    public ControllerFailover(LocalCluster cluster, Duration healthTimeout, Function<Endpoint, ManagedChannel> channels) {
        this.cluster = cluster;
        this.healthTimeout = healthTimeout;
        this.channels = channels;
    }

    /** Runs {@code trials} trials, handing each to {@code onTrial} as it completes. */
    public FailoverSummary run(int trials, Consumer<FailoverTrial> onTrial) {
        if (trials < 1) {
            throw new IllegalArgumentException("--trials must be at least 1, got " + trials);
        }
        if (cluster.topology().controllers() < 3) {
            throw new LocalClusterException("failover needs at least 3 controllers (a majority must survive a kill); "
                    + "this cluster has " + cluster.topology().controllers());
        }
        if (cluster.topology().brokers() < 1) {
            throw new LocalClusterException("failover needs at least 1 broker to host the probe topic; this cluster has none");
        }
        String runId = Long.toString(System.currentTimeMillis(), 36);
        List<FailoverTrial> results = new ArrayList<>();
        ClusterStatus healthy = cluster.awaitHealthy(healthTimeout, ClusterHealth.Level.CAUGHT_UP);
        for (int trial = 1; trial <= trials; trial++) {
            FailoverTrial result = runTrial(trial, PROBE_PREFIX + runId + "_" + trial, healthy.leaderId());
            healthy = cluster.awaitHealthy(healthTimeout, ClusterHealth.Level.CAUGHT_UP);
            results.add(result);
            onTrial.accept(result);
        }
        return FailoverSummary.of(results);
    }

    /** One trial on a caught-up quorum led by {@code leaderId}; returns with the killed controller restarted. */
    private FailoverTrial runTrial(int trial, String probeTopic, int leaderId) {
        NodeName leader = NodeName.controller(leaderId);
        List<Endpoint> survivors = cluster.topology().nodes().stream()
                .filter(node -> node.isController() && !node.equals(leader))
                .map(node -> new Endpoint(cluster.topology().host(), cluster.topology().rpcPort(node)))
                .toList();
        try (AdminClient admin = new AdminClient(AdminClientConfig.of(survivors)
                .withAttemptTimeout(WRITE_ATTEMPT_TIMEOUT)
                .withTotalTimeout(WRITE_TOTAL_TIMEOUT)
                .withRetryBackoff(WRITE_RETRY_BACKOFF), channels)) {
            // Connect before the kill, so the measurement holds the failover and not TCP/HTTP2 setup.
            admin.describeCluster();
            settle();
            LocalDateTime killedAtWallClock = LocalDateTime.now();
            long killedAt = System.nanoTime();
            Optional<ProcessHandle> killed = cluster.killNoWait(leader);
            if (killed.isEmpty()) {
                throw new LocalClusterException(leader + " led the quorum but its process was not found");
            }
            TopicOutcome outcome = admin.createTopics(List.of(new NewTopic(probeTopic, 1, 1))).get(0);
            long committedAt = System.nanoTime();
            // TOPIC_ALREADY_EXISTS can only mean an earlier attempt of this very write committed
            // before its answer was lost: the probe name is new in every trial.
            if (!outcome.succeeded() && outcome.error() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                throw new LocalClusterException("the probe write " + probeTopic + " failed: " + outcome.error()
                        + ": " + outcome.message());
            }
            double ms = FailoverSummary.roundToTenth((committedAt - killedAt) / 1_000_000.0);
            int newLeader = admin.describeCluster().getLeaderId();
            TopicOutcome deleted = admin.deleteTopics(List.of(probeTopic)).get(0);
            if (!deleted.succeeded()) {
                throw new LocalClusterException("cannot delete the probe topic " + probeTopic + ": " + deleted.error()
                        + ": " + deleted.message() + "; delete it with wharf topics delete " + probeTopic);
            }
            cluster.kill(leader);
            cluster.start(leader);
            return new FailoverTrial(trial, ms, leader.toString(),
                    newLeader < 0 ? "unknown" : NodeName.controller(newLeader).toString(),
                    killedAtWallClock.truncatedTo(ChronoUnit.MILLIS).toString());
        }
    }

    private static void settle() {
        try {
            Thread.sleep(SETTLE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalClusterException("interrupted before a failover trial", e);
        }
    }
}
