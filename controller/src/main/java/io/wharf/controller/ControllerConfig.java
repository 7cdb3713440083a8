package io.wharf.controller;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The configuration of one controller, validated once before anything starts. Immutable.
 *
 * <p>Every key is a constant here and documented with its default in
 * {@code deploy/config/controller.properties}. Keys starting with {@value #RATIS_PREFIX} are passed
 * to Ratis unchanged with the prefix removed (an escape hatch for knobs this class does not name,
 * e.g. {@code ratis.raft.server.log.segment.size.max=8MB}); Ratis validates them at start.
 * Any other unknown key is rejected, so a typo does not silently fall back to a default.
 */
public final class ControllerConfig {

    /** This controller's id; must appear in {@link #QUORUM_VOTERS}. Required, &gt;= 1. */
    public static final String NODE_ID = "node.id";
    /** Every controller as {@code id@host:rpcPort:raftPort}, comma-separated. Required. */
    public static final String QUORUM_VOTERS = "controller.quorum.voters";
    /** Where the Raft log and snapshots live. Default {@code ./data/controller-<node.id>}. */
    public static final String DATA_DIR = "data.dir";
    /** A UUID naming the Ratis group; every controller of one cluster uses the same. */
    public static final String CLUSTER_ID = "controller.cluster.id";
    /** The address both listeners bind to. Default: this node's host in the voter list. */
    public static final String BIND_HOST = "bind.host";
    /** A broker silent for longer than this is fenced. Default 2000. */
    public static final String BROKER_SESSION_TIMEOUT_MS = "broker.session.timeout.ms";
    /** How often the active controller looks for expired broker sessions. Default 100. */
    public static final String LIVENESS_CHECK_INTERVAL_MS = "broker.liveness.check.interval.ms";
    /** Fence a broker as soon as its process is seen gone, not only when its session expires. Default true. */
    public static final String BROKER_CRASH_DETECTION = "broker.crash.detection";
    /** Whether the active controller moves leaderships back to preferred replicas on its own. Default true. */
    public static final String AUTO_LEADER_REBALANCE_ENABLE = "auto.leader.rebalance.enable";
    /** How often the active controller checks the leader balance. Default 300000 (Kafka's five minutes). */
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_MS = "leader.imbalance.check.interval.ms";
    /** A broker leading fewer of its preferred partitions than (100 - this) percent gets them back. Default 10. */
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE = "leader.imbalance.per.broker.percentage";
    /** How many recent committed record batches are kept in memory for WatchMetadata. Default 10000. */
    public static final String HISTORY_BATCHES = "metadata.history.batches";
    /** How many batches one watcher may have queued before it is cut off. Default 10000. */
    public static final String WATCH_MAX_PENDING = "metadata.watch.max.pending.batches";
    /** Ratis election timeout, lower bound. Default 100. */
    public static final String RAFT_TIMEOUT_MIN_MS = "raft.rpc.timeout.min.ms";
    /** Ratis election timeout, upper bound. Default 200. */
    public static final String RAFT_TIMEOUT_MAX_MS = "raft.rpc.timeout.max.ms";
    /** How long a leader that lost its majority waits before standing again. Default 1000. */
    public static final String RAFT_STEP_DOWN_WAIT_MS = "raft.leader.step.down.wait.ms";
    /** Stand for election as soon as the leader's process is seen gone, not only on the timer. Default true. */
    public static final String RAFT_LEADER_CRASH_DETECTION = "raft.leader.crash.detection";
    /** How the leader retries a peer that stopped answering (Ratis retry-policy syntax). */
    public static final String RAFT_APPENDER_RETRY_POLICY = "raft.log.appender.retry.policy";
    /** Take a snapshot automatically every this many log entries. Default 50000. */
    public static final String RAFT_SNAPSHOT_THRESHOLD = "raft.snapshot.auto.trigger.threshold";
    /** A requested snapshot is skipped when fewer entries than this arrived since the last. Default 1024. */
    public static final String RAFT_SNAPSHOT_CREATION_GAP = "raft.snapshot.creation.gap";
    /** How many snapshot files are kept. Default 3. */
    public static final String RAFT_SNAPSHOT_RETENTION = "raft.snapshot.retention.files";
    /** Purge the log up to the snapshot even if a peer has not got it (it then installs the snapshot). */
    public static final String RAFT_PURGE_UP_TO_SNAPSHOT = "raft.log.purge.up.to.snapshot";
    /** How long one attempt of a quorum request waits for an answer. Default 500. */
    public static final String QUORUM_REQUEST_TIMEOUT_MS = "quorum.request.timeout.ms";
    /** The pause between attempts of a quorum request (during an election). Default 10. */
    public static final String QUORUM_RETRY_INTERVAL_MS = "quorum.retry.interval.ms";
    /** How long a quorum request is retried before the caller gets CONTROLLER_UNAVAILABLE. Default 10000. */
    public static final String QUORUM_RETRY_MAX_MS = "quorum.retry.max.ms";
    /** How long DescribeCluster waits for each peer's Raft status before calling it unreachable. Default 300. */
    public static final String PEER_PROBE_TIMEOUT_MS = "cluster.describe.peer.timeout.ms";
    /**
     * The port of this controller's HTTP endpoint ({@code /metrics}, {@code /health/live},
     * {@code /health/ready}) on {@link #BIND_HOST}: -1 (default) serves none, 0 an ephemeral port.
     */
    public static final String METRICS_PORT = "metrics.port";
    /** Prefix of keys passed to Ratis verbatim (prefix removed). */
    public static final String RATIS_PREFIX = "ratis.";

    /** The cluster id used when {@link #CLUSTER_ID} is not set. */
    public static final String DEFAULT_CLUSTER_ID = "8f6b2a3e-5c1d-4e7f-9a0b-77a4f1c0de01";
    /** The appender retry policy recommended by RATIS.md §9 (a restarted peer is re-contacted quickly). */
    public static final String DEFAULT_APPENDER_RETRY_POLICY = "1ms,10,100ms,100,1s,1000";

    private static final Set<String> KEYS = Set.of(NODE_ID, QUORUM_VOTERS, DATA_DIR, CLUSTER_ID, BIND_HOST,
            BROKER_SESSION_TIMEOUT_MS, LIVENESS_CHECK_INTERVAL_MS, BROKER_CRASH_DETECTION, HISTORY_BATCHES, WATCH_MAX_PENDING,
            AUTO_LEADER_REBALANCE_ENABLE, LEADER_IMBALANCE_CHECK_INTERVAL_MS, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE,
            RAFT_TIMEOUT_MIN_MS, RAFT_TIMEOUT_MAX_MS, RAFT_STEP_DOWN_WAIT_MS, RAFT_LEADER_CRASH_DETECTION,
            RAFT_APPENDER_RETRY_POLICY,
            RAFT_SNAPSHOT_THRESHOLD, RAFT_SNAPSHOT_CREATION_GAP, RAFT_SNAPSHOT_RETENTION, RAFT_PURGE_UP_TO_SNAPSHOT,
            QUORUM_REQUEST_TIMEOUT_MS, QUORUM_RETRY_INTERVAL_MS, QUORUM_RETRY_MAX_MS, PEER_PROBE_TIMEOUT_MS, METRICS_PORT);

    private final int nodeId;
    private final List<QuorumVoter> voters;
    private final Path dataDir;
    private final UUID clusterId;
    private final String bindHost;
    private final long brokerSessionTimeoutMs;
    private final long livenessCheckIntervalMs;
    private final boolean brokerCrashDetection;
    private final boolean autoLeaderRebalance;
    private final long leaderImbalanceCheckIntervalMs;
    private final int leaderImbalancePerBrokerPercentage;
    private final int historyBatches;
    private final int watchMaxPending;
    private final long raftTimeoutMinMs;
    private final long raftTimeoutMaxMs;
    private final long raftStepDownWaitMs;
    private final String raftAppenderRetryPolicy;
    private final long raftSnapshotThreshold;
    private final long raftSnapshotCreationGap;
    private final int raftSnapshotRetention;
    private final boolean raftPurgeUpToSnapshot;
    private final boolean raftLeaderCrashDetection;
    private final long quorumRequestTimeoutMs;
    private final long quorumRetryIntervalMs;
    private final long quorumRetryMaxMs;
    private final long peerProbeTimeoutMs;
    private final int metricsPort;
    private final Map<String, String> ratisOverrides;

    private ControllerConfig(Map<String, String> values) {
        for (String key : values.keySet()) {
            if (!KEYS.contains(key) && !key.startsWith(RATIS_PREFIX)) {
                throw new InvalidConfigException(key, "unknown key; see deploy/config/controller.properties"
                        + " for every controller key");
            }
        }
        Values v = new Values(values);
        this.nodeId = v.intAtLeast(NODE_ID, null, 1);
        this.voters = parseVoters(v.required(QUORUM_VOTERS));
        if (voters.stream().noneMatch(voter -> voter.id() == nodeId)) {
            throw new InvalidConfigException(QUORUM_VOTERS, "does not name this node (" + NODE_ID + "=" + nodeId
                    + "); add an entry " + nodeId + "@host:rpcPort:raftPort");
        }
        this.dataDir = Path.of(v.text(DATA_DIR, "./data/controller-" + nodeId));
        this.clusterId = parseUuid(v.text(CLUSTER_ID, DEFAULT_CLUSTER_ID));
        this.bindHost = v.text(BIND_HOST, self().host());
        this.brokerSessionTimeoutMs = v.longAtLeast(BROKER_SESSION_TIMEOUT_MS, 2000L, 1);
        this.livenessCheckIntervalMs = v.longAtLeast(LIVENESS_CHECK_INTERVAL_MS, 100L, 1);
        this.brokerCrashDetection = v.bool(BROKER_CRASH_DETECTION, true);
        this.autoLeaderRebalance = v.bool(AUTO_LEADER_REBALANCE_ENABLE, true);
        this.leaderImbalanceCheckIntervalMs = v.longAtLeast(LEADER_IMBALANCE_CHECK_INTERVAL_MS, 300_000L, 1);
        this.leaderImbalancePerBrokerPercentage = v.intAtLeast(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, 10, 0);
        if (leaderImbalancePerBrokerPercentage > 100) {
            throw new InvalidConfigException(LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, leaderImbalancePerBrokerPercentage
                    + " is not a percentage; it must be 0 to 100");
        }
        this.historyBatches = v.intAtLeast(HISTORY_BATCHES, 10000, 0);
        this.watchMaxPending = v.intAtLeast(WATCH_MAX_PENDING, 10000, 1);
        this.raftTimeoutMinMs = v.longAtLeast(RAFT_TIMEOUT_MIN_MS, 100L, 1);
        this.raftTimeoutMaxMs = v.longAtLeast(RAFT_TIMEOUT_MAX_MS, 200L, 1);
        if (raftTimeoutMaxMs <= raftTimeoutMinMs) {
            throw new InvalidConfigException(RAFT_TIMEOUT_MAX_MS, raftTimeoutMaxMs + " must be greater than "
                    + RAFT_TIMEOUT_MIN_MS + " (" + raftTimeoutMinMs + ")");
        }
        this.raftStepDownWaitMs = v.longAtLeast(RAFT_STEP_DOWN_WAIT_MS, 1000L, 0);
        this.raftAppenderRetryPolicy = v.text(RAFT_APPENDER_RETRY_POLICY, DEFAULT_APPENDER_RETRY_POLICY);
        this.raftSnapshotThreshold = v.longAtLeast(RAFT_SNAPSHOT_THRESHOLD, 50000L, 1);
        this.raftSnapshotCreationGap = v.longAtLeast(RAFT_SNAPSHOT_CREATION_GAP, 1024L, 1);
        this.raftSnapshotRetention = v.intAtLeast(RAFT_SNAPSHOT_RETENTION, 3, 1);
        this.raftPurgeUpToSnapshot = v.bool(RAFT_PURGE_UP_TO_SNAPSHOT, true);
        this.raftLeaderCrashDetection = v.bool(RAFT_LEADER_CRASH_DETECTION, true);
        this.quorumRequestTimeoutMs = v.longAtLeast(QUORUM_REQUEST_TIMEOUT_MS, 500L, 1);
        this.quorumRetryIntervalMs = v.longAtLeast(QUORUM_RETRY_INTERVAL_MS, 10L, 0);
        this.quorumRetryMaxMs = v.longAtLeast(QUORUM_RETRY_MAX_MS, 10000L, 1);
        this.peerProbeTimeoutMs = v.longAtLeast(PEER_PROBE_TIMEOUT_MS, 300L, 1);
        this.metricsPort = v.intAtLeast(METRICS_PORT, -1, -1);
        if (metricsPort > 65535) {
            throw new InvalidConfigException(METRICS_PORT, metricsPort + " is not a port; it must be -1 (none),"
                    + " 0 (ephemeral) or 1 to 65535");
        }
        Map<String, String> ratis = new TreeMap<>();
        values.forEach((key, value) -> {
            if (key.startsWith(RATIS_PREFIX)) {
                String ratisKey = key.substring(RATIS_PREFIX.length());
                if (ratisKey.isEmpty()) {
                    throw new InvalidConfigException(key, "needs a Ratis key after the prefix, e.g. "
                            + RATIS_PREFIX + "raft.server.log.segment.size.max");
                }
                ratis.put(ratisKey, value.trim());
            }
        });
        this.ratisOverrides = Collections.unmodifiableMap(ratis);
    }

    /**
     * Builds a configuration from key/value pairs.
     *
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static ControllerConfig fromMap(Map<String, String> values) {
        return new ControllerConfig(Map.copyOf(values));
    }

    /**
     * Reads a properties file, then applies {@code overrides} on top of it.
     *
     * @throws IOException when the file cannot be read
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static ControllerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            values.put(name, properties.getProperty(name));
        }
        values.putAll(overrides);
        return fromMap(values);
    }

    private static List<QuorumVoter> parseVoters(String text) {
        List<QuorumVoter> result = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (String entry : text.split(",")) {
            if (entry.isBlank()) {
                continue;
            }
            QuorumVoter voter = QuorumVoter.parse(QUORUM_VOTERS, entry);
            if (!ids.add(voter.id())) {
                throw new InvalidConfigException(QUORUM_VOTERS, "names id " + voter.id() + " twice");
            }
            for (String address : List.of(voter.rpcAddress(), voter.raftAddress())) {
                if (!addresses.add(address)) {
                    throw new InvalidConfigException(QUORUM_VOTERS, "uses address " + address + " twice");
                }
            }
            result.add(voter);
        }
        if (result.isEmpty()) {
            throw new InvalidConfigException(QUORUM_VOTERS, "names no controller; expected e.g."
                    + " 1@127.0.0.1:17001:17101,2@127.0.0.1:17002:17102,3@127.0.0.1:17003:17103");
        }
        return List.copyOf(result);
    }

    private static UUID parseUuid(String text) {
        try {
            return UUID.fromString(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(CLUSTER_ID, "'" + text + "' is not a UUID (e.g. " + DEFAULT_CLUSTER_ID + ")");
        }
    }

    public int nodeId() {
        return nodeId;
    }

    /** Every controller of the quorum, in the order configured. */
    public List<QuorumVoter> voters() {
        return voters;
    }

    /** This controller's own voter entry. */
    public QuorumVoter self() {
        return voters.stream().filter(voter -> voter.id() == nodeId).findFirst().orElseThrow();
    }

    public Path dataDir() {
        return dataDir;
    }

    public UUID clusterId() {
        return clusterId;
    }

    public String bindHost() {
        return bindHost;
    }

    /** Whether the active controller rebalances leaderships to preferred replicas. */
    public boolean autoLeaderRebalance() {
        return autoLeaderRebalance;
    }

    public long leaderImbalanceCheckIntervalMs() {
        return leaderImbalanceCheckIntervalMs;
    }

    /** The imbalance a broker may have before a rebalance moves its preferred partitions back, 0 to 1. */
    public double leaderImbalanceRatio() {
        return leaderImbalancePerBrokerPercentage / 100.0;
    }

    public long brokerSessionTimeoutMs() {
        return brokerSessionTimeoutMs;
    }

    public long livenessCheckIntervalMs() {
        return livenessCheckIntervalMs;
    }

    /** Whether the active controller fences a broker as soon as it sees the broker's process gone. */
    public boolean brokerCrashDetection() {
        return brokerCrashDetection;
    }

    public int historyBatches() {
        return historyBatches;
    }

    public int watchMaxPending() {
        return watchMaxPending;
    }

    public long raftTimeoutMinMs() {
        return raftTimeoutMinMs;
    }

    public long raftTimeoutMaxMs() {
        return raftTimeoutMaxMs;
    }

    public long raftStepDownWaitMs() {
        return raftStepDownWaitMs;
    }

    public String raftAppenderRetryPolicy() {
        return raftAppenderRetryPolicy;
    }

    public long raftSnapshotThreshold() {
        return raftSnapshotThreshold;
    }

    public long raftSnapshotCreationGap() {
        return raftSnapshotCreationGap;
    }

    public int raftSnapshotRetention() {
        return raftSnapshotRetention;
    }

    /** Whether a follower stands for election as soon as it sees the leader's process gone. */
    public boolean raftLeaderCrashDetection() {
        return raftLeaderCrashDetection;
    }

    public boolean raftPurgeUpToSnapshot() {
        return raftPurgeUpToSnapshot;
    }

    public long quorumRequestTimeoutMs() {
        return quorumRequestTimeoutMs;
    }

    public long quorumRetryIntervalMs() {
        return quorumRetryIntervalMs;
    }

    public long quorumRetryMaxMs() {
        return quorumRetryMaxMs;
    }

    public long peerProbeTimeoutMs() {
        return peerProbeTimeoutMs;
    }

    /**
     * The port of the metrics and health endpoint on {@link #bindHost()}; 0 binds an ephemeral port
     * (see {@link ControllerNode#metricsPort()}), -1 serves none.
     */
    public int metricsPort() {
        return metricsPort;
    }

    /** Ratis keys set verbatim through the {@value #RATIS_PREFIX} prefix, prefix removed. */
    public Map<String, String> ratisOverrides() {
        return ratisOverrides;
    }

    /** Typed access to the raw values, each failure naming its key. */
    private static final class Values {
        private final Map<String, String> values;

        Values(Map<String, String> values) {
            this.values = values;
        }

        String required(String key) {
            String value = values.get(key);
            if (value == null || value.isBlank()) {
                throw new InvalidConfigException(key, "is required");
            }
            return value.trim();
        }

        String text(String key, String defaultValue) {
            String value = values.get(key);
            return value == null || value.isBlank() ? defaultValue : value.trim();
        }

        long longAtLeast(String key, Long defaultValue, long min) {
            String value = values.get(key);
            if (value == null || value.isBlank()) {
                if (defaultValue == null) {
                    throw new InvalidConfigException(key, "is required");
                }
                return defaultValue;
            }
            long parsed;
            try {
                parsed = Long.parseLong(value.trim());
            } catch (NumberFormatException e) {
                throw new InvalidConfigException(key, "'" + value + "' is not an integer");
            }
            if (parsed < min) {
                throw new InvalidConfigException(key, parsed + " is too small; it must be >= " + min);
            }
            return parsed;
        }

        int intAtLeast(String key, Integer defaultValue, int min) {
            long parsed = longAtLeast(key, defaultValue == null ? null : (long) defaultValue, min);
            if (parsed > Integer.MAX_VALUE) {
                throw new InvalidConfigException(key, parsed + " is too large; it must be <= " + Integer.MAX_VALUE);
            }
            return (int) parsed;
        }

        boolean bool(String key, boolean defaultValue) {
            String value = values.get(key);
            if (value == null || value.isBlank()) {
                return defaultValue;
            }
            return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw new InvalidConfigException(key, "'" + value + "' is not true or false");
            };
        }
    }
}
