package io.wharf.controller;

import io.wharf.config.InvalidConfigException;
import io.wharf.config.ParsedConfig;
import io.wharf.config.PropertiesFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The configuration of one controller, validated once before anything starts. Immutable.
 *
 * <p>Every key is defined once, with its default, bounds and meaning, in {@link ControllerConfigKeys}
 * (and listed in docs/configuration.md); this class adds the checks that involve several keys and
 * the values derived from others. The names below are those keys' names.
 */
public final class ControllerConfig {

    public static final String NODE_ID = ControllerConfigKeys.NODE_ID.name();
    public static final String QUORUM_VOTERS = ControllerConfigKeys.QUORUM_VOTERS.name();
    public static final String DATA_DIR = ControllerConfigKeys.DATA_DIR.name();
    public static final String CLUSTER_ID = ControllerConfigKeys.CLUSTER_ID.name();
    public static final String BIND_HOST = ControllerConfigKeys.BIND_HOST.name();
    public static final String BROKER_SESSION_TIMEOUT_MS = ControllerConfigKeys.BROKER_SESSION_TIMEOUT_MS.name();
    public static final String LIVENESS_CHECK_INTERVAL_MS = ControllerConfigKeys.LIVENESS_CHECK_INTERVAL_MS.name();
    public static final String BROKER_CRASH_DETECTION = ControllerConfigKeys.BROKER_CRASH_DETECTION.name();
    public static final String AUTO_LEADER_REBALANCE_ENABLE = ControllerConfigKeys.AUTO_LEADER_REBALANCE_ENABLE.name();
    public static final String LEADER_IMBALANCE_CHECK_INTERVAL_MS =
            ControllerConfigKeys.LEADER_IMBALANCE_CHECK_INTERVAL_MS.name();
    public static final String LEADER_IMBALANCE_PER_BROKER_PERCENTAGE =
            ControllerConfigKeys.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE.name();
    public static final String HISTORY_BATCHES = ControllerConfigKeys.HISTORY_BATCHES.name();
    public static final String WATCH_MAX_PENDING = ControllerConfigKeys.WATCH_MAX_PENDING.name();
    public static final String RAFT_TIMEOUT_MIN_MS = ControllerConfigKeys.RAFT_TIMEOUT_MIN_MS.name();
    public static final String RAFT_TIMEOUT_MAX_MS = ControllerConfigKeys.RAFT_TIMEOUT_MAX_MS.name();
    public static final String RAFT_STEP_DOWN_WAIT_MS = ControllerConfigKeys.RAFT_STEP_DOWN_WAIT_MS.name();
    public static final String RAFT_LEADER_CRASH_DETECTION = ControllerConfigKeys.RAFT_LEADER_CRASH_DETECTION.name();
    public static final String RAFT_APPENDER_RETRY_POLICY = ControllerConfigKeys.RAFT_APPENDER_RETRY_POLICY.name();
    public static final String RAFT_SNAPSHOT_THRESHOLD = ControllerConfigKeys.RAFT_SNAPSHOT_THRESHOLD.name();
    public static final String RAFT_SNAPSHOT_CREATION_GAP = ControllerConfigKeys.RAFT_SNAPSHOT_CREATION_GAP.name();
    public static final String RAFT_SNAPSHOT_RETENTION = ControllerConfigKeys.RAFT_SNAPSHOT_RETENTION.name();
    public static final String RAFT_PURGE_UP_TO_SNAPSHOT = ControllerConfigKeys.RAFT_PURGE_UP_TO_SNAPSHOT.name();
    public static final String QUORUM_REQUEST_TIMEOUT_MS = ControllerConfigKeys.QUORUM_REQUEST_TIMEOUT_MS.name();
    public static final String QUORUM_RETRY_INTERVAL_MS = ControllerConfigKeys.QUORUM_RETRY_INTERVAL_MS.name();
    public static final String QUORUM_RETRY_MAX_MS = ControllerConfigKeys.QUORUM_RETRY_MAX_MS.name();
    public static final String PEER_PROBE_TIMEOUT_MS = ControllerConfigKeys.PEER_PROBE_TIMEOUT_MS.name();
    public static final String METRICS_PORT = ControllerConfigKeys.METRICS_PORT.name();
    /** Prefix of keys passed to Ratis verbatim (prefix removed). */
    public static final String RATIS_PREFIX = ControllerConfigKeys.RATIS_PREFIX;

    /** The cluster id used when {@link #CLUSTER_ID} is not set. */
    public static final String DEFAULT_CLUSTER_ID = ControllerConfigKeys.CLUSTER_ID.defaultValue().orElseThrow();
    /** The appender retry policy recommended by RATIS.md §9 (a restarted peer is re-contacted quickly). */
    public static final String DEFAULT_APPENDER_RETRY_POLICY =
            ControllerConfigKeys.RAFT_APPENDER_RETRY_POLICY.defaultValue().orElseThrow();

    private final ParsedConfig values;
    private final List<QuorumVoter> voters;
    private final Path dataDir;
    private final UUID clusterId;
    private final String bindHost;

    private ControllerConfig(ParsedConfig values) {
        this.values = values;
        int nodeId = nodeId();
        this.voters = parseVoters(values.listValue(ControllerConfigKeys.QUORUM_VOTERS));
        if (voters.stream().noneMatch(voter -> voter.id() == nodeId)) {
            throw values.invalid(ControllerConfigKeys.QUORUM_VOTERS, "does not name this node (" + NODE_ID + "="
                    + nodeId + "); add an entry " + nodeId + "@host:rpcPort:raftPort");
        }
        this.dataDir = Path.of(values.optional(ControllerConfigKeys.DATA_DIR).map(String.class::cast)
                .orElse("./data/controller-" + nodeId));
        this.clusterId = UUID.fromString(values.stringValue(ControllerConfigKeys.CLUSTER_ID));
        this.bindHost = values.optional(ControllerConfigKeys.BIND_HOST).map(String.class::cast)
                .orElse(self().host());
        if (raftTimeoutMaxMs() <= raftTimeoutMinMs()) {
            throw values.invalid(ControllerConfigKeys.RAFT_TIMEOUT_MAX_MS, "'" + raftTimeoutMaxMs()
                    + "' must be greater than " + RAFT_TIMEOUT_MIN_MS + " (" + raftTimeoutMinMs() + ")");
        }
    }

    /**
     * Builds a configuration from key/value pairs.
     *
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static ControllerConfig fromMap(Map<String, String> values) {
        return new ControllerConfig(ControllerConfigKeys.SET.parse(values));
    }

    /**
     * Reads a properties file, then applies {@code overrides} on top of it.
     *
     * @throws IOException when the file cannot be read
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static ControllerConfig load(Path file, Map<String, String> overrides) throws IOException {
        return fromMap(PropertiesFile.read(file, overrides));
    }

    private static List<QuorumVoter> parseVoters(List<String> entries) {
        List<QuorumVoter> result = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        Set<String> addresses = new HashSet<>();
        for (String entry : entries) {
            if (entry.isBlank()) {
                continue;
            }
            QuorumVoter voter = QuorumVoter.parse(QUORUM_VOTERS, entry);
            if (!ids.add(voter.id())) {
                throw ControllerConfigKeys.SET.invalid(QUORUM_VOTERS, "names id " + voter.id() + " twice");
            }
            for (String address : List.of(voter.rpcAddress(), voter.raftAddress())) {
                if (!addresses.add(address)) {
                    throw ControllerConfigKeys.SET.invalid(QUORUM_VOTERS, "uses address " + address + " twice");
                }
            }
            result.add(voter);
        }
        if (result.isEmpty()) {
            throw ControllerConfigKeys.SET.invalid(QUORUM_VOTERS, "names no controller; expected e.g."
                    + " 1@127.0.0.1:17001:17101,2@127.0.0.1:17002:17102,3@127.0.0.1:17003:17103");
        }
        return List.copyOf(result);
    }

    public int nodeId() {
        return values.intValue(ControllerConfigKeys.NODE_ID);
    }

    /** Every controller of the quorum, in the order configured. */
    public List<QuorumVoter> voters() {
        return voters;
    }

    /** This controller's own voter entry. */
    public QuorumVoter self() {
        return voters.stream().filter(voter -> voter.id() == nodeId()).findFirst().orElseThrow();
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
        return values.booleanValue(ControllerConfigKeys.AUTO_LEADER_REBALANCE_ENABLE);
    }

    public long leaderImbalanceCheckIntervalMs() {
        return values.longValue(ControllerConfigKeys.LEADER_IMBALANCE_CHECK_INTERVAL_MS);
    }

    /** The imbalance a broker may have before a rebalance moves its preferred partitions back, 0 to 1. */
    public double leaderImbalanceRatio() {
        return values.intValue(ControllerConfigKeys.LEADER_IMBALANCE_PER_BROKER_PERCENTAGE) / 100.0;
    }

    public long brokerSessionTimeoutMs() {
        return values.longValue(ControllerConfigKeys.BROKER_SESSION_TIMEOUT_MS);
    }

    public long livenessCheckIntervalMs() {
        return values.longValue(ControllerConfigKeys.LIVENESS_CHECK_INTERVAL_MS);
    }

    /** Whether the active controller fences a broker as soon as it sees the broker's process gone. */
    public boolean brokerCrashDetection() {
        return values.booleanValue(ControllerConfigKeys.BROKER_CRASH_DETECTION);
    }

    public int historyBatches() {
        return values.intValue(ControllerConfigKeys.HISTORY_BATCHES);
    }

    public int watchMaxPending() {
        return values.intValue(ControllerConfigKeys.WATCH_MAX_PENDING);
    }

    public long raftTimeoutMinMs() {
        return values.longValue(ControllerConfigKeys.RAFT_TIMEOUT_MIN_MS);
    }

    public long raftTimeoutMaxMs() {
        return values.longValue(ControllerConfigKeys.RAFT_TIMEOUT_MAX_MS);
    }

    public long raftStepDownWaitMs() {
        return values.longValue(ControllerConfigKeys.RAFT_STEP_DOWN_WAIT_MS);
    }

    public String raftAppenderRetryPolicy() {
        return values.stringValue(ControllerConfigKeys.RAFT_APPENDER_RETRY_POLICY);
    }

    public long raftSnapshotThreshold() {
        return values.longValue(ControllerConfigKeys.RAFT_SNAPSHOT_THRESHOLD);
    }

    public long raftSnapshotCreationGap() {
        return values.longValue(ControllerConfigKeys.RAFT_SNAPSHOT_CREATION_GAP);
    }

    public int raftSnapshotRetention() {
        return values.intValue(ControllerConfigKeys.RAFT_SNAPSHOT_RETENTION);
    }

    /** Whether a follower stands for election as soon as it sees the leader's process gone. */
    public boolean raftLeaderCrashDetection() {
        return values.booleanValue(ControllerConfigKeys.RAFT_LEADER_CRASH_DETECTION);
    }

    public boolean raftPurgeUpToSnapshot() {
        return values.booleanValue(ControllerConfigKeys.RAFT_PURGE_UP_TO_SNAPSHOT);
    }

    public long quorumRequestTimeoutMs() {
        return values.longValue(ControllerConfigKeys.QUORUM_REQUEST_TIMEOUT_MS);
    }

    public long quorumRetryIntervalMs() {
        return values.longValue(ControllerConfigKeys.QUORUM_RETRY_INTERVAL_MS);
    }

    public long quorumRetryMaxMs() {
        return values.longValue(ControllerConfigKeys.QUORUM_RETRY_MAX_MS);
    }

    public long peerProbeTimeoutMs() {
        return values.longValue(ControllerConfigKeys.PEER_PROBE_TIMEOUT_MS);
    }

    /**
     * The port of the metrics and health endpoint on {@link #bindHost()}; 0 binds an ephemeral port
     * (see {@link ControllerNode#metricsPort()}), -1 serves none.
     */
    public int metricsPort() {
        return values.intValue(ControllerConfigKeys.METRICS_PORT);
    }

    /** Ratis keys set verbatim through the {@value #RATIS_PREFIX} prefix, prefix removed. */
    public Map<String, String> ratisOverrides() {
        return values.passedThrough();
    }
}
