package io.wharf.controller;

import static io.wharf.config.ConfigKey.define;

import io.wharf.config.ConfigCheck;
import io.wharf.config.ConfigKey;
import io.wharf.config.ConfigKeySet;
import io.wharf.config.ConfigType;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Every key of a controller's configuration, defined once: type, default, bounds and meaning
 * (docs/configuration.md is generated from these). Keys starting with {@value #RATIS_PREFIX} are
 * passed to Ratis unchanged with the prefix removed (an escape hatch for knobs Wharf does not name,
 * e.g. {@code ratis.raft.server.log.segment.size.max=8MB}); Ratis validates them at start. Any
 * other unknown key is refused, so a typo does not silently fall back to a default. No controller
 * key changes without a restart. Stateless.
 */
public final class ControllerConfigKeys {

    /** Prefix of keys passed to Ratis verbatim (prefix removed). */
    public static final String RATIS_PREFIX = "ratis.";

    public static final ConfigKey NODE_ID = define("node.id", ConfigType.INT)
            .required().atLeast(1)
            .doc("Id of this controller; an integer >= 1 that appears in controller.quorum.voters.")
            .build();
    public static final ConfigKey QUORUM_VOTERS = define("controller.quorum.voters", ConfigType.LIST)
            .required()
            .check(ConfigCheck.format("id@host:rpcPort:raftPort, comma-separated"))
            .doc("Every controller of the quorum as id@host:rpcPort:raftPort, comma-separated; the same "
                    + "list on every controller. rpcPort serves the ControllerService (gRPC: admin tools and "
                    + "brokers), raftPort the Raft traffic between controllers.")
            .build();
    public static final ConfigKey CLUSTER_ID = define("controller.cluster.id", ConfigType.STRING)
            .defaultValue("8f6b2a3e-5c1d-4e7f-9a0b-77a4f1c0de01")
            .check(ConfigCheck.of("a UUID", ControllerConfigKeys::notUuid))
            .doc("A UUID naming the Raft group; every controller of one cluster must use the same.")
            .build();
    public static final ConfigKey BIND_HOST = define("bind.host", ConfigType.STRING)
            .derivedDefault("this node's host in controller.quorum.voters")
            .doc("Address both listeners bind to (e.g. 0.0.0.0 in a container).")
            .build();
    public static final ConfigKey DATA_DIR = define("data.dir", ConfigType.STRING)
            .derivedDefault("./data/controller-<node.id>")
            .doc("Directory for the Raft log and metadata snapshots (<data.dir>/raft); created if missing "
                    + "and recovered on restart.")
            .build();
    public static final ConfigKey METRICS_PORT = define("metrics.port", ConfigType.INT)
            .defaultValue(-1).between(-1, 65535)
            .doc("Port of the HTTP endpoint on bind.host: Prometheus metrics at /metrics, health probes at"
                    + " /health/live and /health/ready (see [metrics](metrics.md)); 0 binds an ephemeral port "
                    + "(for tests), -1 serves none. Off by default: a fixed port would keep a second controller"
                    + " on one host from starting. The local cluster uses 17400 + node.id.")
            .build();
    public static final ConfigKey BROKER_SESSION_TIMEOUT_MS = define("broker.session.timeout.ms", ConfigType.LONG)
            .defaultValue(2000).atLeast(1)
            .doc("A broker that has not heartbeated for this long is fenced: its partition leaderships "
                    + "move to another in-sync replica. Brokers heartbeat about every 250 ms.")
            .build();
    public static final ConfigKey LIVENESS_CHECK_INTERVAL_MS =
            define("broker.liveness.check.interval.ms", ConfigType.LONG)
            .defaultValue(100).atLeast(1)
            .doc("How often the active controller looks for expired broker sessions, in ms.")
            .build();
    public static final ConfigKey BROKER_CRASH_DETECTION = define("broker.crash.detection", ConfigType.BOOLEAN)
            .defaultValue(true)
            .doc("Fence a broker as soon as its process is seen gone, instead of waiting for its session "
                    + "timeout: the active controller keeps a connection to every active broker's BrokerService"
                    + " port, and when it drops and a connect to that port is refused (nothing listens there "
                    + "any more), it fences the broker at once (its leaderships move ~2 s sooner after a kill "
                    + "-9). A hung or cut-off broker keeps its connection and is still found by "
                    + "broker.session.timeout.ms.")
            .build();
    public static final ConfigKey AUTO_LEADER_REBALANCE_ENABLE =
            define("auto.leader.rebalance.enable", ConfigType.BOOLEAN)
            .defaultValue(true)
            .doc("Whether the active controller moves partition leaderships back to their preferred "
                    + "replicas (the first of each partition's replicas, which placement spreads evenly) once "
                    + "those are active and in sync again, e.g. after a broker restart. `wharf topics "
                    + "elect-leaders` does it on demand.")
            .build();
    public static final ConfigKey LEADER_IMBALANCE_CHECK_INTERVAL_MS =
            define("leader.imbalance.check.interval.ms", ConfigType.LONG)
            .defaultValue(300_000).atLeast(1)
            .doc("How often the active controller checks the leader balance, in ms.")
            .build();
    public static final ConfigKey LEADER_IMBALANCE_PER_BROKER_PERCENTAGE =
            define("leader.imbalance.per.broker.percentage", ConfigType.INT)
            .defaultValue(10).between(0, 100)
            .doc("A broker not leading more than this percentage of the partitions it is preferred for "
                    + "gets them back at the next check.")
            .build();
    public static final ConfigKey HISTORY_BATCHES = define("metadata.history.batches", ConfigType.INT)
            .defaultValue(10_000).atLeast(0)
            .doc("How many recent committed record batches are kept in memory, so a watcher that "
                    + "reconnects from a recent offset gets just the batches it missed instead of a full "
                    + "snapshot. 0 keeps none.")
            .build();
    public static final ConfigKey WATCH_MAX_PENDING = define("metadata.watch.max.pending.batches", ConfigType.INT)
            .defaultValue(10_000).atLeast(1)
            .doc("How many undelivered batches one watcher may have queued before its stream is cut off "
                    + "(RESOURCE_EXHAUSTED; it reconnects from its last applied offset).")
            .build();
    public static final ConfigKey RAFT_TIMEOUT_MIN_MS = define("raft.rpc.timeout.min.ms", ConfigType.LONG)
            .defaultValue(100).atLeast(1)
            .doc("Election timeout lower bound in ms: a follower that hears nothing from the leader for a "
                    + "random time in [min, max] starts an election; the leader heartbeats every min/2. "
                    + "Failover after a crash takes about 1-2 x min plus ~100 ms. Use 150/300 on shared or "
                    + "cloud VMs.")
            .build();
    public static final ConfigKey RAFT_TIMEOUT_MAX_MS = define("raft.rpc.timeout.max.ms", ConfigType.LONG)
            .defaultValue(200).atLeast(1)
            .doc("Election timeout upper bound in ms (see raft.rpc.timeout.min.ms); must exceed the lower "
                    + "bound.")
            .build();
    public static final ConfigKey RAFT_STEP_DOWN_WAIT_MS = define("raft.leader.step.down.wait.ms", ConfigType.LONG)
            .defaultValue(1000).atLeast(0)
            .doc("How long a leader that lost its majority waits before it may stand for election again, "
                    + "in ms. Ratis's own default (10 s) can cause multi-second outages.")
            .build();
    public static final ConfigKey RAFT_LEADER_CRASH_DETECTION =
            define("raft.leader.crash.detection", ConfigType.BOOLEAN)
            .defaultValue(true)
            .doc("Stand for election as soon as the leader's process is seen gone, instead of waiting for "
                    + "the election timer: a follower keeps a connection to the leader's ControllerService "
                    + "port, and when it drops and a reconnect is refused, the surviving controller with the "
                    + "lowest id starts an election at once (cutting ~100-200 ms from a crash failover). A hung"
                    + " or cut-off leader is still found by the timer.")
            .build();
    public static final ConfigKey RAFT_APPENDER_RETRY_POLICY =
            define("raft.log.appender.retry.policy", ConfigType.STRING)
            .defaultValue("1ms,10,100ms,100,1s,1000")
            .doc("How the leader retries a peer that stopped answering (Ratis retry-policy syntax: pairs "
                    + "of sleep,count). Short so a restarted controller is caught up quickly.")
            .build();
    public static final ConfigKey RAFT_SNAPSHOT_THRESHOLD =
            define("raft.snapshot.auto.trigger.threshold", ConfigType.LONG)
            .defaultValue(50_000).atLeast(1)
            .doc("Take a metadata snapshot automatically every this many log entries.")
            .build();
    public static final ConfigKey RAFT_SNAPSHOT_CREATION_GAP = define("raft.snapshot.creation.gap", ConfigType.LONG)
            .defaultValue(1024).atLeast(1)
            .doc("A snapshot asked for by Ratis is skipped when fewer entries than this arrived since the "
                    + "last one.")
            .build();
    public static final ConfigKey RAFT_SNAPSHOT_RETENTION = define("raft.snapshot.retention.files", ConfigType.INT)
            .defaultValue(3).atLeast(1)
            .doc("How many snapshot files are kept.")
            .build();
    public static final ConfigKey RAFT_PURGE_UP_TO_SNAPSHOT =
            define("raft.log.purge.up.to.snapshot", ConfigType.BOOLEAN)
            .defaultValue(true)
            .doc("Purge the log up to the newest snapshot even when a peer has not received those entries "
                    + "yet (that peer then installs the snapshot). false lets one dead controller pin the log "
                    + "forever.")
            .build();
    public static final ConfigKey QUORUM_REQUEST_TIMEOUT_MS = define("quorum.request.timeout.ms", ConfigType.LONG)
            .defaultValue(500).atLeast(1)
            .doc("How long one attempt waits for an answer, in ms; a hung leader costs about this much.")
            .build();
    public static final ConfigKey QUORUM_RETRY_INTERVAL_MS = define("quorum.retry.interval.ms", ConfigType.LONG)
            .defaultValue(10).atLeast(0)
            .doc("Pause between attempts while there is no leader, in ms.")
            .build();
    public static final ConfigKey QUORUM_RETRY_MAX_MS = define("quorum.retry.max.ms", ConfigType.LONG)
            .defaultValue(10_000).atLeast(1)
            .doc("How long a request is retried in total before the caller gets CONTROLLER_UNAVAILABLE (a "
                    + "retriable error), in ms.")
            .build();
    public static final ConfigKey PEER_PROBE_TIMEOUT_MS = define("cluster.describe.peer.timeout.ms", ConfigType.LONG)
            .defaultValue(300).atLeast(1)
            .doc("How long DescribeCluster waits for each other controller's Raft status before reporting "
                    + "it as \"unreachable\", in ms.")
            .build();

    /** Every controller key, in the order docs/configuration.md lists them. */
    public static final ConfigKeySet SET = ConfigKeySet.forNode("controller", List.of(
            NODE_ID, QUORUM_VOTERS, CLUSTER_ID, BIND_HOST, DATA_DIR, METRICS_PORT, BROKER_SESSION_TIMEOUT_MS,
            LIVENESS_CHECK_INTERVAL_MS, BROKER_CRASH_DETECTION, AUTO_LEADER_REBALANCE_ENABLE,
            LEADER_IMBALANCE_CHECK_INTERVAL_MS, LEADER_IMBALANCE_PER_BROKER_PERCENTAGE, HISTORY_BATCHES,
            WATCH_MAX_PENDING, RAFT_TIMEOUT_MIN_MS, RAFT_TIMEOUT_MAX_MS, RAFT_STEP_DOWN_WAIT_MS,
            RAFT_LEADER_CRASH_DETECTION, RAFT_APPENDER_RETRY_POLICY, RAFT_SNAPSHOT_THRESHOLD,
            RAFT_SNAPSHOT_CREATION_GAP, RAFT_SNAPSHOT_RETENTION, RAFT_PURGE_UP_TO_SNAPSHOT,
            QUORUM_REQUEST_TIMEOUT_MS, QUORUM_RETRY_INTERVAL_MS, QUORUM_RETRY_MAX_MS, PEER_PROBE_TIMEOUT_MS),
            RATIS_PREFIX);

    private ControllerConfigKeys() {
    }

    private static Optional<String> notUuid(Object value) {
        try {
            UUID.fromString((String) value);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a UUID");
        }
    }
}
