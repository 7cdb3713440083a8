package io.wharf.broker;

import static io.wharf.config.ConfigKey.define;

import io.wharf.broker.queue.QueueBrokerSettings;
import io.wharf.config.ConfigCheck;
import io.wharf.config.ConfigKey;
import io.wharf.config.ConfigKeySet;
import io.wharf.config.ConfigType;
import io.wharf.config.TopicConfigKeys;
import java.util.List;
import java.util.Optional;

/**
 * Every key of a broker's configuration, defined once: type, default, bounds and meaning
 * (docs/configuration.md is generated from these). An unknown key is refused, as on a controller.
 * A key ending in {@code .ms} is a duration in milliseconds. No broker key changes without a
 * restart. {@code log.retention.ms} and {@code log.retention.bytes} are the defaults of the topic
 * configs {@code retention.ms} and {@code retention.bytes} on this broker, and take their own
 * defaults from those ({@link TopicConfigKeys}). Stateless.
 */
public final class BrokerConfigKeys {

    public static final ConfigKey NODE_ID = define("node.id", ConfigType.INT)
            .required().between(0, Integer.MAX_VALUE)
            .doc("Id of this broker, unique in the cluster; an integer >= 0.")
            .build();
    public static final ConfigKey LISTEN_HOST = define("listen.host", ConfigType.STRING)
            .defaultValue("127.0.0.1").blankRefused()
            .doc("Address the BrokerService gRPC server binds.")
            .build();
    public static final ConfigKey RPC_PORT = define("rpc.port", ConfigType.INT)
            .required().between(0, 65535)
            .doc("Port of the BrokerService gRPC server (1..65535; 0 binds an ephemeral port, for tests). "
                    + "The local cluster uses 17200 + node.id.")
            .build();
    public static final ConfigKey ADVERTISED_HOST = define("advertised.host", ConfigType.STRING)
            .derivedDefault("the value of listen.host")
            .doc("Host this broker registers with the controllers, i.e. the address clients and other "
                    + "brokers use to reach it. Must not be a wildcard address.")
            .build();
    public static final ConfigKey DATA_DIR = define("data.dir", ConfigType.STRING)
            .derivedDefault("./data/broker-<node.id>")
            .doc("Directory for this broker's data (partition logs, from the replication issue on); "
                    + "created at start if missing.")
            .build();
    public static final ConfigKey RACK = define("rack", ConfigType.STRING)
            .defaultValue("")
            .doc("Rack (failure domain) of this broker, for replica placement; empty when unknown.")
            .build();
    public static final ConfigKey CONTROLLER_BOOTSTRAP = define("controller.bootstrap", ConfigType.HOST_PORT_LIST)
            .required()
            .check(ConfigCheck.of("host:port,...", BrokerConfigKeys::notHostPorts))
            .doc("ControllerService endpoints of the controllers, host:port,... in the order they are "
                    + "tried. Any subset that includes one live controller works.")
            .build();
    public static final ConfigKey HEARTBEAT_INTERVAL_MS = define("broker.heartbeat.interval.ms", ConfigType.LONG)
            .defaultValue(250).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds between heartbeats to the active controller. Keep it well below the "
                    + "controllers' broker session timeout (about 2000 ms by default).")
            .build();
    public static final ConfigKey METADATA_MAX_LAG_MS = define("broker.metadata.max.lag.ms", ConfigType.LONG)
            .defaultValue(3000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds an offset the active controller reported (in a heartbeat answer) may be "
                    + "missing from this broker's metadata image before the broker drops its WatchMetadata "
                    + "stream and resumes on another controller: the controller serving it stopped applying "
                    + "(cut off, or its log stalled). Healthy lag is a few milliseconds.")
            .build();
    public static final ConfigKey CONTROLLER_REQUEST_TIMEOUT_MS =
            define("controller.request.timeout.ms", ConfigType.LONG)
            .defaultValue(1000).between(1, Integer.MAX_VALUE)
            .doc("Deadline in milliseconds of one call to one controller; a controller that does not "
                    + "answer in time is skipped for the next one.")
            .build();
    public static final ConfigKey CONTROLLER_RETRY_BACKOFF_MS = define("controller.retry.backoff.ms", ConfigType.LONG)
            .defaultValue(100).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds to wait before retrying when no controller could answer (registration, "
                    + "heartbeats, the metadata stream).")
            .build();
    public static final ConfigKey CONTROLLED_SHUTDOWN_TIMEOUT_MS =
            define("controlled.shutdown.timeout.ms", ConfigType.LONG)
            .defaultValue(10_000).between(1, Integer.MAX_VALUE)
            .doc("On a clean stop (SIGTERM), how many milliseconds the broker keeps asking the controllers"
                    + " to move its partition leaderships away before it stops anyway.")
            .build();
    public static final ConfigKey LOG_FLUSH_MODE = define("log.flush.mode", ConfigType.STRING)
            .defaultValue("sync").check(ConfigCheck.oneOf("sync", "lazy"))
            .doc("How this broker's partition logs reach the disk. sync: every append is fsynced before it"
                    + " counts toward the high watermark or is acknowledged (group commit shares one fsync "
                    + "among concurrent appends); an acknowledged write survives even a power loss of every "
                    + "broker. lazy: appends stay in the page cache and are fsynced on segment roll and "
                    + "shutdown (Kafka's default); an acknowledged write survives the loss of any single "
                    + "broker.")
            .build();
    public static final ConfigKey REPLICA_LAG_TIME_MAX_MS = define("replica.lag.time.max.ms", ConfigType.LONG)
            .defaultValue(5000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds an in-sync follower may go without catching up to the leader's log end "
                    + "offset before the leader asks the controller to drop it from the ISR.")
            .build();
    public static final ConfigKey REPLICA_FETCH_MAX_WAIT_MS = define("replica.fetch.max.wait.ms", ConfigType.LONG)
            .defaultValue(500).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds a follower's ReplicaFetch long-polls its leader when there is nothing new.")
            .build();
    public static final ConfigKey REPLICA_FETCH_MAX_BYTES = define("replica.fetch.max.bytes", ConfigType.INT)
            .defaultValue(10 * 1024 * 1024).between(1024, Integer.MAX_VALUE)
            .doc("Bytes one ReplicaFetch may return over all the partitions it asks for (at least one "
                    + "whole batch is always returned).")
            .build();
    public static final ConfigKey REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS =
            define("replica.high.watermark.checkpoint.interval.ms", ConfigType.LONG)
            .defaultValue(5000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds between writes of the hosted partitions' high watermarks to "
                    + "<data.dir>/replication-offset-checkpoint (also written on a clean shutdown); after a "
                    + "restart a partition starts from its checkpointed high watermark.")
            .build();
    public static final ConfigKey LOG_RETENTION_CHECK_INTERVAL_MS =
            define("log.retention.check.interval.ms", ConfigType.LONG)
            .defaultValue(300_000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds between two runs of log retention over the hosted partitions: each run "
                    + "deletes the closed segments past their topic's retention.ms / retention.bytes (below the"
                    + " high watermark; never the active segment) and advances the log start offset. Kafka's "
                    + "default.")
            .build();
    public static final ConfigKey LOG_RETENTION_MS = define("log.retention.ms", ConfigType.LONG)
            .defaultValue(TopicConfigKeys.RETENTION_MS.defaultValue().orElseThrow()).between(-1, Long.MAX_VALUE)
            .doc("Retention by time of topics that do not set retention.ms: a closed segment whose newest "
                    + "record timestamp is older than this many milliseconds is deleted; -1 keeps forever. "
                    + "Kafka's default (168 hours).")
            .build();
    public static final ConfigKey LOG_RETENTION_BYTES = define("log.retention.bytes", ConfigType.LONG)
            .defaultValue(TopicConfigKeys.RETENTION_BYTES.defaultValue().orElseThrow()).between(-1, Long.MAX_VALUE)
            .doc("Retention by size of topics that do not set retention.bytes: the oldest closed segments "
                    + "are deleted while the partition stays at least this many bytes without them; -1 means no"
                    + " size limit.")
            .build();
    public static final ConfigKey PRODUCER_ID_EXPIRATION_MS = define("producer.id.expiration.ms", ConfigType.LONG)
            .defaultValue(24L * 60 * 60 * 1000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds after the timestamp of an idempotent producer's last batch in a partition "
                    + "after which the partition forgets the producer (its sequences), checked at each log "
                    + "retention run. A producer that writes again after that must start at sequence 0 (as a "
                    + "new one), or gets `OUT_OF_ORDER_SEQUENCE`. Kafka's default (one day); decision "
                    + "`producer-id-expiration.md`.")
            .build();
    public static final ConfigKey LOG_DIR_RESUME_FREE_BYTES = define("log.dir.resume.free.bytes", ConfigType.LONG)
            .defaultValue(64L * 1024 * 1024).between(0, Long.MAX_VALUE)
            .doc("When an append finds the data directory's file system full (ENOSPC), the broker asks the"
                    + " controller to fence it until this many bytes are usable again, then asks to be unfenced"
                    + " (decision `disk-full-fences-the-broker.md`).")
            .build();
    public static final ConfigKey LOG_CLEANER_ENABLE = define("log.cleaner.enable", ConfigType.BOOLEAN)
            .defaultValue(true)
            .doc("Whether the log cleaner runs: one thread that compacts the partitions of topics whose "
                    + "cleanup.policy includes compact (keeping the latest record of each key), the dirtiest "
                    + "first, up to each replica's high watermark. Without it compacted topics, "
                    + "`__consumer_offsets` among them, keep every record.")
            .build();
    public static final ConfigKey LOG_CLEANER_DEDUPE_BUFFER_SIZE =
            define("log.cleaner.dedupe.buffer.size", ConfigType.LONG)
            .defaultValue(128L * 1024 * 1024).between(1024, Integer.MAX_VALUE)
            .doc("Bytes of memory for the key map of one cleaning (whole key → latest offset, each key "
                    + "charged its length plus 96 bytes); a dirty section whose keys do not fit is cleaned in "
                    + "several passes. Kafka's default (128 MiB).")
            .build();
    public static final ConfigKey LOG_CLEANER_IO_MAX_BYTES_PER_SECOND =
            define("log.cleaner.io.max.bytes.per.second", ConfigType.LONG)
            .derivedDefault("unlimited (leave it unset)").between(1, Long.MAX_VALUE)
            .doc("Bytes per second the log cleaner may read and write, on average.")
            .build();
    public static final ConfigKey LOG_CLEANER_BACKOFF_MS = define("log.cleaner.backoff.ms", ConfigType.LONG)
            .defaultValue(15_000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds the log cleaner waits before looking again when no compacted partition is "
                    + "dirty enough (`min.cleanable.dirty.ratio`) or due (`max.compaction.lag.ms`); after a "
                    + "cleaning it looks again at once. Kafka's default.")
            .build();
    public static final ConfigKey METRICS_PORT = define("metrics.port", ConfigType.INT)
            .defaultValue(-1).between(-1, 65535)
            .doc("Port of the HTTP endpoint on listen.host: Prometheus metrics at /metrics, health probes "
                    + "at /health/live and /health/ready (see [metrics](metrics.md)), the web console at "
                    + "/console/ (see [console](console.md)); 0 binds an ephemeral port (for tests), -1 serves "
                    + "none. Off by default: a fixed port would keep a second broker on one host from starting."
                    + " The local cluster uses 17300 + node.id.")
            .build();
    public static final ConfigKey CONSOLE_ADMIN_ENABLED = define("console.admin.enabled", ConfigType.BOOLEAN)
            .defaultValue(false)
            .doc("Whether the broker's web console (served on metrics.port, see [console](console.md)) may"
                    + " create and delete topics; while false the page is read-only and its admin endpoints "
                    + "answer CONSOLE_READ_ONLY. Off by default: the HTTP port has no authentication.")
            .build();
    public static final ConfigKey CONSOLE_MAX_CLIENTS = define("console.max.clients", ConfigType.INT)
            .defaultValue(8).between(1, 256)
            .doc("Console pages that may stream from this broker at once; each holds one HTTP thread, and "
                    + "one more page is refused with CONSOLE_BUSY. Scrapes and probes have two threads of their"
                    + " own besides.")
            .build();
    public static final ConfigKey NUM_NETWORK_THREADS = define("num.network.threads", ConfigType.INT)
            .defaultValue(0).between(0, 256)
            .doc("Event-loop threads of the BrokerService server, which read and write every connection "
                    + "and run the produce and follower-fetch handlers; 0 uses gRPC's shared loops (two per "
                    + "core). The local cluster's template sets 1: three brokers on one small machine wake each"
                    + " other less (about a quarter lower p50 at 10,000 records/s on 2 cores, see benchmarks).")
            .build();
    public static final ConfigKey OFFSETS_TOPIC_NUM_PARTITIONS = define("offsets.topic.num.partitions", ConfigType.INT)
            .defaultValue(50).between(1, 10_000)
            .doc("Partitions of the internal topic `__consumer_offsets`, which holds every consumer "
                    + "group's state; a group lives on partition hash(group id) % this. Read when the first "
                    + "group makes a broker create the topic. Kafka's default.")
            .build();
    public static final ConfigKey OFFSETS_TOPIC_REPLICATION_FACTOR =
            define("offsets.topic.replication.factor", ConfigType.INT)
            .defaultValue(3).between(1, Short.MAX_VALUE)
            .doc("Replication factor of `__consumer_offsets` when it is created, capped at the active "
                    + "brokers; its `min.insync.replicas` is 2 (capped at it), its `cleanup.policy` compact "
                    + "(the log cleaner keeps each key's latest record) and it has no retention.")
            .build();
    public static final ConfigKey OFFSETS_TOPIC_SEGMENT_BYTES = define("offsets.topic.segment.bytes", ConfigType.INT)
            .defaultValue(100 * 1024 * 1024).between(128, Integer.MAX_VALUE)
            .doc("`segment.bytes` of `__consumer_offsets` when it is created: the log cleaner compacts "
                    + "only closed segments, so they are smaller than a topic's 1 GiB. Kafka's default (100 "
                    + "MiB).")
            .build();
    public static final ConfigKey OFFSETS_COMMIT_TIMEOUT_MS = define("offsets.commit.timeout.ms", ConfigType.LONG)
            .defaultValue(5000).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds a group write (heartbeat, offset commit, delete) waits for its records to "
                    + "be committed before it is answered REQUEST_TIMED_OUT. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_SESSION_TIMEOUT_MS =
            define("group.consumer.session.timeout.ms", ConfigType.LONG)
            .defaultValue(45_000).between(1, Integer.MAX_VALUE)
            .doc("Session timeout of a member that asks for none: a member not heard from for this long "
                    + "loses its partitions. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_MIN_SESSION_TIMEOUT_MS =
            define("group.consumer.min.session.timeout.ms", ConfigType.LONG)
            .defaultValue(45_000).between(1, Integer.MAX_VALUE)
            .doc("The least session timeout a member's own request is raised to. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_MAX_SESSION_TIMEOUT_MS =
            define("group.consumer.max.session.timeout.ms", ConfigType.LONG)
            .defaultValue(60_000).between(1, Integer.MAX_VALUE)
            .doc("The greatest session timeout a member's own request is lowered to. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_HEARTBEAT_INTERVAL_MS =
            define("group.consumer.heartbeat.interval.ms", ConfigType.LONG)
            .defaultValue(5000).between(1, Integer.MAX_VALUE)
            .doc("Heartbeat interval told to a member that asks for none; must stay below the session "
                    + "timeout. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_MIN_HEARTBEAT_INTERVAL_MS =
            define("group.consumer.min.heartbeat.interval.ms", ConfigType.LONG)
            .defaultValue(5000).between(1, Integer.MAX_VALUE)
            .doc("The least heartbeat interval a member's own request is raised to. Kafka's default.")
            .build();
    public static final ConfigKey GROUP_MAX_HEARTBEAT_INTERVAL_MS =
            define("group.consumer.max.heartbeat.interval.ms", ConfigType.LONG)
            .defaultValue(15_000).between(1, Integer.MAX_VALUE)
            .doc("The greatest heartbeat interval a member's own request is lowered to. Kafka's default.")
            .build();
    public static final ConfigKey QUEUE_COMMIT_TIMEOUT_MS = define("queue.commit.timeout.ms", ConfigType.LONG)
            .defaultValue(QueueBrokerSettings.defaults().commitTimeoutMs()).between(1, Integer.MAX_VALUE)
            .doc("Milliseconds a queue entry (a stored message, an ack, a subscription) appended by this "
                    + "broker as a queue's leader may wait to be committed on the in-sync replicas before its "
                    + "publisher or consumer hears REQUEST_TIMED_OUT (a publisher then retries; the retry is "
                    + "stored at most once).")
            .build();
    public static final ConfigKey QUEUE_CONSUMER_TIMEOUT_MS = define("queue.consumer.timeout.ms", ConfigType.LONG)
            .defaultValue(QueueBrokerSettings.defaults().consumerTimeoutMs()).between(1, Integer.MAX_VALUE)
            .doc("A consumer holding a delivery unacked longer than this is closed with "
                    + "PRECONDITION_FAILED and what it held goes back to the queue, redelivered (RabbitMQ's "
                    + "consumer timeout, 30 minutes). A queue's `x-consumer-timeout` argument overrides it.")
            .build();
    public static final ConfigKey QUEUE_MAX_MESSAGE_BYTES = define("queue.max.message.bytes", ConfigType.INT)
            .defaultValue(QueueBrokerSettings.defaults().maxMessageBytes()).between(1, 64 << 20)
            .doc("The largest message (body, headers and properties) a queue stores; a bigger publish is "
                    + "refused with RECORD_TOO_LARGE.")
            .build();
    public static final ConfigKey QUEUE_CHECKPOINT_INTERVAL_ENTRIES =
            define("queue.checkpoint.interval.entries", ConfigType.LONG)
            .defaultValue(QueueBrokerSettings.defaults().checkpointEntries()).between(1, Long.MAX_VALUE)
            .doc("A queue's leader writes a checkpoint of the queue's state after this many entries, so "
                    + "that the log start can pass everything before it that is settled.")
            .build();
    public static final ConfigKey QUEUE_MOVE_THRESHOLD_ENTRIES = define("queue.move.threshold.entries", ConfigType.LONG)
            .defaultValue(QueueBrokerSettings.defaults().moveThresholdEntries()).between(2, Long.MAX_VALUE)
            .doc("A live message (typically one held unacked for hours) this many entries behind the log "
                    + "end is re-written at the tail, so its old place does not pin the disk.")
            .build();

    /** Every broker key, in the order docs/configuration.md lists them. */
    public static final ConfigKeySet SET = ConfigKeySet.forNode("broker", List.of(
            NODE_ID, LISTEN_HOST, RPC_PORT, ADVERTISED_HOST, DATA_DIR, RACK, CONTROLLER_BOOTSTRAP,
            HEARTBEAT_INTERVAL_MS, METADATA_MAX_LAG_MS, CONTROLLER_REQUEST_TIMEOUT_MS,
            CONTROLLER_RETRY_BACKOFF_MS, CONTROLLED_SHUTDOWN_TIMEOUT_MS, LOG_FLUSH_MODE,
            REPLICA_LAG_TIME_MAX_MS, REPLICA_FETCH_MAX_WAIT_MS, REPLICA_FETCH_MAX_BYTES,
            REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS, LOG_RETENTION_CHECK_INTERVAL_MS, LOG_RETENTION_MS,
            LOG_RETENTION_BYTES, PRODUCER_ID_EXPIRATION_MS, LOG_DIR_RESUME_FREE_BYTES, LOG_CLEANER_ENABLE,
            LOG_CLEANER_DEDUPE_BUFFER_SIZE, LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, LOG_CLEANER_BACKOFF_MS,
            METRICS_PORT, CONSOLE_ADMIN_ENABLED, CONSOLE_MAX_CLIENTS, NUM_NETWORK_THREADS,
            OFFSETS_TOPIC_NUM_PARTITIONS, OFFSETS_TOPIC_REPLICATION_FACTOR, OFFSETS_TOPIC_SEGMENT_BYTES,
            OFFSETS_COMMIT_TIMEOUT_MS, GROUP_SESSION_TIMEOUT_MS, GROUP_MIN_SESSION_TIMEOUT_MS,
            GROUP_MAX_SESSION_TIMEOUT_MS, GROUP_HEARTBEAT_INTERVAL_MS, GROUP_MIN_HEARTBEAT_INTERVAL_MS,
            GROUP_MAX_HEARTBEAT_INTERVAL_MS, QUEUE_COMMIT_TIMEOUT_MS, QUEUE_CONSUMER_TIMEOUT_MS,
            QUEUE_MAX_MESSAGE_BYTES, QUEUE_CHECKPOINT_INTERVAL_ENTRIES, QUEUE_MOVE_THRESHOLD_ENTRIES));

    private BrokerConfigKeys() {
    }

    private static Optional<String> notHostPorts(Object value) {
        try {
            HostPort.parseList(String.join(",", ((List<?>) value).stream().map(String::valueOf).toList()));
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of("is not a list of host:port (" + e.getMessage() + ")");
        }
    }
}
