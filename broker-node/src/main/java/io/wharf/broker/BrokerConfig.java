package io.wharf.broker;

import io.wharf.broker.console.Console;
import io.wharf.broker.group.GroupCoordinatorService;
import io.wharf.broker.partition.CleanerSettings;
import io.wharf.broker.queue.QueueBrokerSettings;
import io.wharf.config.ConfigKey;
import io.wharf.config.InvalidConfigException;
import io.wharf.config.ParsedConfig;
import io.wharf.config.PropertiesFile;
import io.wharf.group.GroupConfig;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.RetentionPolicy;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The validated configuration of one broker node. Immutable.
 *
 * <p>Every key is defined once, with its default, bounds and meaning, in {@link BrokerConfigKeys}
 * (and listed in docs/configuration.md); this class groups the values for the parts that use them,
 * derives the ones that default to others, and adds the checks that involve several keys. The
 * names below are those keys' names.
 */
public final class BrokerConfig {

    public static final String NODE_ID = BrokerConfigKeys.NODE_ID.name();
    public static final String LISTEN_HOST = BrokerConfigKeys.LISTEN_HOST.name();
    public static final String RPC_PORT = BrokerConfigKeys.RPC_PORT.name();
    public static final String ADVERTISED_HOST = BrokerConfigKeys.ADVERTISED_HOST.name();
    public static final String DATA_DIR = BrokerConfigKeys.DATA_DIR.name();
    public static final String RACK = BrokerConfigKeys.RACK.name();
    public static final String CONTROLLER_BOOTSTRAP = BrokerConfigKeys.CONTROLLER_BOOTSTRAP.name();
    public static final String HEARTBEAT_INTERVAL_MS = BrokerConfigKeys.HEARTBEAT_INTERVAL_MS.name();
    public static final String METADATA_MAX_LAG_MS = BrokerConfigKeys.METADATA_MAX_LAG_MS.name();
    public static final String CONTROLLER_REQUEST_TIMEOUT_MS = BrokerConfigKeys.CONTROLLER_REQUEST_TIMEOUT_MS.name();
    public static final String CONTROLLER_RETRY_BACKOFF_MS = BrokerConfigKeys.CONTROLLER_RETRY_BACKOFF_MS.name();
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = BrokerConfigKeys.CONTROLLED_SHUTDOWN_TIMEOUT_MS.name();
    public static final String LOG_FLUSH_MODE = BrokerConfigKeys.LOG_FLUSH_MODE.name();
    public static final String REPLICA_LAG_TIME_MAX_MS = BrokerConfigKeys.REPLICA_LAG_TIME_MAX_MS.name();
    public static final String REPLICA_FETCH_MAX_WAIT_MS = BrokerConfigKeys.REPLICA_FETCH_MAX_WAIT_MS.name();
    public static final String REPLICA_FETCH_MAX_BYTES = BrokerConfigKeys.REPLICA_FETCH_MAX_BYTES.name();
    public static final String REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS =
            BrokerConfigKeys.REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS.name();
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS =
            BrokerConfigKeys.LOG_RETENTION_CHECK_INTERVAL_MS.name();
    public static final String LOG_RETENTION_MS = BrokerConfigKeys.LOG_RETENTION_MS.name();
    public static final String LOG_RETENTION_BYTES = BrokerConfigKeys.LOG_RETENTION_BYTES.name();
    public static final String PRODUCER_ID_EXPIRATION_MS = BrokerConfigKeys.PRODUCER_ID_EXPIRATION_MS.name();
    public static final String LOG_DIR_RESUME_FREE_BYTES = BrokerConfigKeys.LOG_DIR_RESUME_FREE_BYTES.name();
    public static final String LOG_CLEANER_ENABLE = BrokerConfigKeys.LOG_CLEANER_ENABLE.name();
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = BrokerConfigKeys.LOG_CLEANER_DEDUPE_BUFFER_SIZE.name();
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND =
            BrokerConfigKeys.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND.name();
    public static final String LOG_CLEANER_BACKOFF_MS = BrokerConfigKeys.LOG_CLEANER_BACKOFF_MS.name();
    public static final String METRICS_PORT = BrokerConfigKeys.METRICS_PORT.name();
    public static final String CONSOLE_ADMIN_ENABLED = BrokerConfigKeys.CONSOLE_ADMIN_ENABLED.name();
    public static final String CONSOLE_MAX_CLIENTS = BrokerConfigKeys.CONSOLE_MAX_CLIENTS.name();
    public static final String NUM_NETWORK_THREADS = BrokerConfigKeys.NUM_NETWORK_THREADS.name();
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = BrokerConfigKeys.OFFSETS_TOPIC_NUM_PARTITIONS.name();
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR =
            BrokerConfigKeys.OFFSETS_TOPIC_REPLICATION_FACTOR.name();
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = BrokerConfigKeys.OFFSETS_TOPIC_SEGMENT_BYTES.name();
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = BrokerConfigKeys.OFFSETS_COMMIT_TIMEOUT_MS.name();
    public static final String GROUP_SESSION_TIMEOUT_MS = BrokerConfigKeys.GROUP_SESSION_TIMEOUT_MS.name();
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = BrokerConfigKeys.GROUP_MIN_SESSION_TIMEOUT_MS.name();
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = BrokerConfigKeys.GROUP_MAX_SESSION_TIMEOUT_MS.name();
    public static final String GROUP_HEARTBEAT_INTERVAL_MS = BrokerConfigKeys.GROUP_HEARTBEAT_INTERVAL_MS.name();
    public static final String GROUP_MIN_HEARTBEAT_INTERVAL_MS =
            BrokerConfigKeys.GROUP_MIN_HEARTBEAT_INTERVAL_MS.name();
    public static final String GROUP_MAX_HEARTBEAT_INTERVAL_MS =
            BrokerConfigKeys.GROUP_MAX_HEARTBEAT_INTERVAL_MS.name();
    public static final String QUEUE_COMMIT_TIMEOUT_MS = BrokerConfigKeys.QUEUE_COMMIT_TIMEOUT_MS.name();
    public static final String QUEUE_CONSUMER_TIMEOUT_MS = BrokerConfigKeys.QUEUE_CONSUMER_TIMEOUT_MS.name();
    public static final String QUEUE_MAX_MESSAGE_BYTES = BrokerConfigKeys.QUEUE_MAX_MESSAGE_BYTES.name();
    public static final String QUEUE_CHECKPOINT_INTERVAL_ENTRIES =
            BrokerConfigKeys.QUEUE_CHECKPOINT_INTERVAL_ENTRIES.name();
    public static final String QUEUE_MOVE_THRESHOLD_ENTRIES = BrokerConfigKeys.QUEUE_MOVE_THRESHOLD_ENTRIES.name();

    private final int nodeId;
    private final String listenHost;
    private final int rpcPort;
    private final String advertisedHost;
    private final Path dataDir;
    private final String rack;
    private final List<HostPort> controllerBootstrap;
    private final Duration heartbeatInterval;
    private final Duration metadataMaxLag;
    private final Duration controllerRequestTimeout;
    private final Duration controllerRetryBackoff;
    private final Duration controlledShutdownTimeout;
    private final FlushMode logFlushMode;
    private final Duration replicaLagTimeMax;
    private final Duration replicaFetchMaxWait;
    private final int replicaFetchMaxBytes;
    private final Duration highWatermarkCheckpointInterval;
    private final Duration logRetentionCheckInterval;
    private final RetentionPolicy defaultRetention;
    private final Duration producerIdExpiration;
    private final long logDirResumeFreeBytes;
    private final CleanerSettings cleaner;
    private final int metricsPort;
    private final Console.Settings console;
    private final GroupCoordinatorService.Settings groupCoordinator;
    private final QueueBrokerSettings queues;
    private final int numNetworkThreads;

    private BrokerConfig(ParsedConfig values) {
        nodeId = values.intValue(BrokerConfigKeys.NODE_ID);
        listenHost = values.stringValue(BrokerConfigKeys.LISTEN_HOST);
        rpcPort = values.intValue(BrokerConfigKeys.RPC_PORT);
        advertisedHost = values.optional(BrokerConfigKeys.ADVERTISED_HOST).map(String.class::cast).orElse(listenHost);
        if (isWildcard(advertisedHost)) {
            throw values.invalid(BrokerConfigKeys.ADVERTISED_HOST, "'" + advertisedHost
                    + "' is not an address others can connect to; set advertised.host to this machine's address");
        }
        dataDir = Path.of(values.optional(BrokerConfigKeys.DATA_DIR).map(String.class::cast)
                .orElse("./data/broker-" + nodeId));
        rack = values.stringValue(BrokerConfigKeys.RACK);
        controllerBootstrap = HostPort.parseList(String.join(",",
                values.listValue(BrokerConfigKeys.CONTROLLER_BOOTSTRAP)));
        heartbeatInterval = millis(values, BrokerConfigKeys.HEARTBEAT_INTERVAL_MS);
        metadataMaxLag = millis(values, BrokerConfigKeys.METADATA_MAX_LAG_MS);
        controllerRequestTimeout = millis(values, BrokerConfigKeys.CONTROLLER_REQUEST_TIMEOUT_MS);
        controllerRetryBackoff = millis(values, BrokerConfigKeys.CONTROLLER_RETRY_BACKOFF_MS);
        controlledShutdownTimeout = millis(values, BrokerConfigKeys.CONTROLLED_SHUTDOWN_TIMEOUT_MS);
        logFlushMode = values.stringValue(BrokerConfigKeys.LOG_FLUSH_MODE).toLowerCase(Locale.ROOT).equals("lazy")
                ? FlushMode.LAZY : FlushMode.SYNC;
        replicaLagTimeMax = millis(values, BrokerConfigKeys.REPLICA_LAG_TIME_MAX_MS);
        replicaFetchMaxWait = millis(values, BrokerConfigKeys.REPLICA_FETCH_MAX_WAIT_MS);
        replicaFetchMaxBytes = values.intValue(BrokerConfigKeys.REPLICA_FETCH_MAX_BYTES);
        highWatermarkCheckpointInterval = millis(values,
                BrokerConfigKeys.REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS);
        logRetentionCheckInterval = millis(values, BrokerConfigKeys.LOG_RETENTION_CHECK_INTERVAL_MS);
        defaultRetention = new RetentionPolicy(values.longValue(BrokerConfigKeys.LOG_RETENTION_MS),
                values.longValue(BrokerConfigKeys.LOG_RETENTION_BYTES));
        producerIdExpiration = millis(values, BrokerConfigKeys.PRODUCER_ID_EXPIRATION_MS);
        logDirResumeFreeBytes = values.longValue(BrokerConfigKeys.LOG_DIR_RESUME_FREE_BYTES);
        cleaner = cleaner(values);
        metricsPort = values.intValue(BrokerConfigKeys.METRICS_PORT);
        console = new Console.Settings(values.booleanValue(BrokerConfigKeys.CONSOLE_ADMIN_ENABLED),
                values.intValue(BrokerConfigKeys.CONSOLE_MAX_CLIENTS));
        numNetworkThreads = values.intValue(BrokerConfigKeys.NUM_NETWORK_THREADS);
        groupCoordinator = groupCoordinator(values);
        queues = queues(values);
    }

    /**
     * Builds a configuration from key/value pairs.
     *
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static BrokerConfig from(Map<String, String> values) {
        return new BrokerConfig(BrokerConfigKeys.SET.parse(values));
    }

    /**
     * Reads a properties file, then applies {@code overrides} on top (later wins).
     *
     * @throws IOException when the file cannot be read
     * @throws InvalidConfigException naming the first key that is missing, unknown or malformed
     */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        return from(PropertiesFile.read(file, overrides));
    }

    private static Duration millis(ParsedConfig values, ConfigKey key) {
        return Duration.ofMillis(values.longValue(key));
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static CleanerSettings cleaner(ParsedConfig values) {
        // Unlimited unless set, as in Kafka (whose default is Double.MAX_VALUE bytes per second).
        OptionalLong ioMaxBytesPerSecond = values.optional(BrokerConfigKeys.LOG_CLEANER_IO_MAX_BYTES_PER_SECOND)
                .map(value -> OptionalLong.of((Long) value)).orElse(OptionalLong.empty());
        return new CleanerSettings(values.booleanValue(BrokerConfigKeys.LOG_CLEANER_ENABLE),
                values.longValue(BrokerConfigKeys.LOG_CLEANER_DEDUPE_BUFFER_SIZE), ioMaxBytesPerSecond,
                millis(values, BrokerConfigKeys.LOG_CLEANER_BACKOFF_MS));
    }

    private static GroupCoordinatorService.Settings groupCoordinator(ParsedConfig values) {
        GroupConfig groups;
        try {
            groups = GroupConfig.defaults().withTimeouts(
                    (int) values.longValue(BrokerConfigKeys.GROUP_SESSION_TIMEOUT_MS),
                    (int) values.longValue(BrokerConfigKeys.GROUP_MIN_SESSION_TIMEOUT_MS),
                    (int) values.longValue(BrokerConfigKeys.GROUP_MAX_SESSION_TIMEOUT_MS),
                    (int) values.longValue(BrokerConfigKeys.GROUP_HEARTBEAT_INTERVAL_MS),
                    (int) values.longValue(BrokerConfigKeys.GROUP_MIN_HEARTBEAT_INTERVAL_MS),
                    (int) values.longValue(BrokerConfigKeys.GROUP_MAX_HEARTBEAT_INTERVAL_MS));
        } catch (IllegalArgumentException e) {
            throw values.invalid(BrokerConfigKeys.GROUP_SESSION_TIMEOUT_MS, e.getMessage()
                    + " (the group.consumer.* timeouts must satisfy min <= default <= max, heartbeat < session)");
        }
        return new GroupCoordinatorService.Settings(values.intValue(BrokerConfigKeys.OFFSETS_TOPIC_NUM_PARTITIONS),
                values.intValue(BrokerConfigKeys.OFFSETS_TOPIC_REPLICATION_FACTOR),
                values.intValue(BrokerConfigKeys.OFFSETS_TOPIC_SEGMENT_BYTES),
                millis(values, BrokerConfigKeys.OFFSETS_COMMIT_TIMEOUT_MS), groups);
    }

    private static QueueBrokerSettings queues(ParsedConfig values) {
        QueueBrokerSettings defaults = QueueBrokerSettings.defaults();
        return new QueueBrokerSettings(values.longValue(BrokerConfigKeys.QUEUE_COMMIT_TIMEOUT_MS),
                values.longValue(BrokerConfigKeys.QUEUE_CONSUMER_TIMEOUT_MS),
                values.intValue(BrokerConfigKeys.QUEUE_MAX_MESSAGE_BYTES),
                defaults.maxBatchBytes(), defaults.messageCacheBytes(),
                values.longValue(BrokerConfigKeys.QUEUE_CHECKPOINT_INTERVAL_ENTRIES),
                values.longValue(BrokerConfigKeys.QUEUE_MOVE_THRESHOLD_ENTRIES),
                defaults.moveBatch());
    }

    public int nodeId() {
        return nodeId;
    }

    /** The address the BrokerService server binds. */
    public String listenHost() {
        return listenHost;
    }

    /** The BrokerService port; 0 binds an ephemeral port (see {@link BrokerNode#rpcPort()}). */
    public int rpcPort() {
        return rpcPort;
    }

    /** The host this broker registers with the controllers, for clients and other brokers. */
    public String advertisedHost() {
        return advertisedHost;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String rack() {
        return rack;
    }

    /** The controllers' ControllerService endpoints, in the order they are tried first. */
    public List<HostPort> controllerBootstrap() {
        return controllerBootstrap;
    }

    public Duration heartbeatInterval() {
        return heartbeatInterval;
    }

    /** How long an offset the active controller reported may be missing from this broker's image. */
    public Duration metadataMaxLag() {
        return metadataMaxLag;
    }

    /** Deadline of one call to one controller. */
    public Duration controllerRequestTimeout() {
        return controllerRequestTimeout;
    }

    /** Pause before retrying when no controller could answer. */
    public Duration controllerRetryBackoff() {
        return controllerRetryBackoff;
    }

    /** How long {@link BrokerNode#close()} tries to hand leaderships away before stopping anyway. */
    public Duration controlledShutdownTimeout() {
        return controlledShutdownTimeout;
    }

    /** How partition logs on this broker are forced to disk: sync (fsync before acknowledging) or lazy. */
    public FlushMode logFlushMode() {
        return logFlushMode;
    }

    /** How long an ISR member may go without catching up to the leader's end before the leader drops it. */
    public Duration replicaLagTimeMax() {
        return replicaLagTimeMax;
    }

    /** Long-poll bound of a follower's ReplicaFetch. */
    public Duration replicaFetchMaxWait() {
        return replicaFetchMaxWait;
    }

    /** Byte budget of one ReplicaFetch over all its partitions. */
    public int replicaFetchMaxBytes() {
        return replicaFetchMaxBytes;
    }

    /** How often the high watermarks of the hosted partitions are written to the data directory's checkpoint. */
    public Duration highWatermarkCheckpointInterval() {
        return highWatermarkCheckpointInterval;
    }

    /** How often retention deletes the segments the hosted partitions no longer keep. */
    public Duration logRetentionCheckInterval() {
        return logRetentionCheckInterval;
    }

    /** log.retention.ms and log.retention.bytes: the retention of topics that do not set their own. */
    public RetentionPolicy defaultRetention() {
        return defaultRetention;
    }

    /**
     * How long after the timestamp of an idempotent producer's last batch a partition forgets the
     * producer (checked with retention, every log.retention.check.interval.ms).
     */
    public Duration producerIdExpiration() {
        return producerIdExpiration;
    }

    /**
     * Usable bytes the data directory's file system must have again before a broker whose
     * directory filled up asks to be unfenced.
     */
    public long logDirResumeFreeBytes() {
        return logDirResumeFreeBytes;
    }

    /**
     * log.cleaner.*: whether the log cleaner runs, its key map's memory, its I/O limit and its
     * pause when no compacted log is dirty enough.
     */
    public CleanerSettings cleaner() {
        return cleaner;
    }

    /**
     * The port of the HTTP endpoint ({@code /metrics}, {@code /health/live}, {@code /health/ready})
     * on {@link #listenHost()}; 0 binds an ephemeral port (see {@link BrokerNode#metricsPort()}), -1
     * serves none.
     */
    public int metricsPort() {
        return metricsPort;
    }

    /** The web console's settings (served on {@link #metricsPort()} with the metrics). */
    public Console.Settings console() {
        return console;
    }

    /**
     * Event-loop threads of the BrokerService server, which read and write every connection and run
     * the produce and follower-fetch handlers; 0 uses gRPC's shared loops (two per core).
     */
    public int numNetworkThreads() {
        return numNetworkThreads;
    }

    /** The consumer-group coordinator's settings: the offsets topic, the commit timeout, member timeouts and bounds. */
    public GroupCoordinatorService.Settings groupCoordinator() {
        return groupCoordinator;
    }

    /** How the queues this broker leads are run: commit and consumer timeouts, message size, checkpoints, moves. */
    public QueueBrokerSettings queues() {
        return queues;
    }

    @Override
    public String toString() {
        return NODE_ID + "=" + nodeId + ", " + LISTEN_HOST + "=" + listenHost + ", " + RPC_PORT + "=" + rpcPort
                + ", " + ADVERTISED_HOST + "=" + advertisedHost + ", " + DATA_DIR + "=" + dataDir
                + ", " + RACK + "=" + rack + ", " + CONTROLLER_BOOTSTRAP + "=" + controllerBootstrap
                + ", " + HEARTBEAT_INTERVAL_MS + "=" + heartbeatInterval.toMillis()
                + ", " + METADATA_MAX_LAG_MS + "=" + metadataMaxLag.toMillis()
                + ", " + CONTROLLER_REQUEST_TIMEOUT_MS + "=" + controllerRequestTimeout.toMillis()
                + ", " + CONTROLLER_RETRY_BACKOFF_MS + "=" + controllerRetryBackoff.toMillis()
                + ", " + CONTROLLED_SHUTDOWN_TIMEOUT_MS + "=" + controlledShutdownTimeout.toMillis()
                + ", " + LOG_FLUSH_MODE + "=" + logFlushMode.name().toLowerCase(Locale.ROOT)
                + ", " + REPLICA_LAG_TIME_MAX_MS + "=" + replicaLagTimeMax.toMillis()
                + ", " + REPLICA_FETCH_MAX_WAIT_MS + "=" + replicaFetchMaxWait.toMillis()
                + ", " + REPLICA_FETCH_MAX_BYTES + "=" + replicaFetchMaxBytes
                + ", " + REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS + "=" + highWatermarkCheckpointInterval.toMillis()
                + ", " + LOG_RETENTION_CHECK_INTERVAL_MS + "=" + logRetentionCheckInterval.toMillis()
                + ", " + LOG_RETENTION_MS + "=" + defaultRetention.retentionMs()
                + ", " + LOG_RETENTION_BYTES + "=" + defaultRetention.retentionBytes()
                + ", " + PRODUCER_ID_EXPIRATION_MS + "=" + producerIdExpiration.toMillis()
                + ", " + LOG_DIR_RESUME_FREE_BYTES + "=" + logDirResumeFreeBytes
                + ", " + LOG_CLEANER_ENABLE + "=" + cleaner.enabled()
                + ", " + LOG_CLEANER_DEDUPE_BUFFER_SIZE + "=" + cleaner.dedupeBufferBytes()
                + ", " + LOG_CLEANER_IO_MAX_BYTES_PER_SECOND + "="
                + (cleaner.ioMaxBytesPerSecond().isPresent() ? cleaner.ioMaxBytesPerSecond().getAsLong() : "unlimited")
                + ", " + LOG_CLEANER_BACKOFF_MS + "=" + cleaner.backoff().toMillis()
                + ", " + METRICS_PORT + "=" + metricsPort
                + ", " + NUM_NETWORK_THREADS + "=" + numNetworkThreads
                + ", " + OFFSETS_TOPIC_NUM_PARTITIONS + "=" + groupCoordinator.offsetsTopicPartitions()
                + ", " + OFFSETS_TOPIC_REPLICATION_FACTOR + "=" + groupCoordinator.offsetsTopicReplicationFactor()
                + ", " + OFFSETS_TOPIC_SEGMENT_BYTES + "=" + groupCoordinator.offsetsTopicSegmentBytes()
                + ", " + OFFSETS_COMMIT_TIMEOUT_MS + "=" + groupCoordinator.commitTimeout().toMillis()
                + ", group.consumer.(min/default/max) session timeout ms=" + groupCoordinator.groups().minSessionTimeoutMs()
                + "/" + groupCoordinator.groups().sessionTimeoutMs() + "/" + groupCoordinator.groups().maxSessionTimeoutMs()
                + ", heartbeat interval ms=" + groupCoordinator.groups().minHeartbeatIntervalMs() + "/"
                + groupCoordinator.groups().heartbeatIntervalMs() + "/" + groupCoordinator.groups().maxHeartbeatIntervalMs();
    }
}
