package io.wharf.broker;

import io.wharf.broker.console.Console;
import io.wharf.broker.group.GroupCoordinatorService;
import io.wharf.broker.queue.QueueBrokerSettings;
import io.wharf.broker.partition.CleanerSettings;
import io.wharf.group.GroupConfig;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.RetentionPolicy;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * The validated configuration of one broker node. Immutable.
 *
 * <p>Every key, its default and its meaning is documented in {@code deploy/config/broker.properties};
 * keep that template in step with the constants here.
 */
public final class BrokerConfig {

    public static final String NODE_ID = "node.id";
    public static final String LISTEN_HOST = "listen.host";
    public static final String RPC_PORT = "rpc.port";
    public static final String ADVERTISED_HOST = "advertised.host";
    public static final String DATA_DIR = "data.dir";
    public static final String RACK = "rack";
    public static final String CONTROLLER_BOOTSTRAP = "controller.bootstrap";
    public static final String HEARTBEAT_INTERVAL_MS = "broker.heartbeat.interval.ms";
    public static final String METADATA_MAX_LAG_MS = "broker.metadata.max.lag.ms";
    public static final String CONTROLLER_REQUEST_TIMEOUT_MS = "controller.request.timeout.ms";
    public static final String CONTROLLER_RETRY_BACKOFF_MS = "controller.retry.backoff.ms";
    public static final String CONTROLLED_SHUTDOWN_TIMEOUT_MS = "controlled.shutdown.timeout.ms";
    public static final String LOG_FLUSH_MODE = "log.flush.mode";
    public static final String REPLICA_LAG_TIME_MAX_MS = "replica.lag.time.max.ms";
    public static final String REPLICA_FETCH_MAX_WAIT_MS = "replica.fetch.max.wait.ms";
    public static final String REPLICA_FETCH_MAX_BYTES = "replica.fetch.max.bytes";
    public static final String REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS =
            "replica.high.watermark.checkpoint.interval.ms";
    public static final String LOG_RETENTION_CHECK_INTERVAL_MS = "log.retention.check.interval.ms";
    public static final String LOG_RETENTION_MS = "log.retention.ms";
    public static final String LOG_RETENTION_BYTES = "log.retention.bytes";
    public static final String PRODUCER_ID_EXPIRATION_MS = "producer.id.expiration.ms";
    public static final String LOG_DIR_RESUME_FREE_BYTES = "log.dir.resume.free.bytes";
    public static final String LOG_CLEANER_ENABLE = "log.cleaner.enable";
    public static final String LOG_CLEANER_DEDUPE_BUFFER_SIZE = "log.cleaner.dedupe.buffer.size";
    public static final String LOG_CLEANER_IO_MAX_BYTES_PER_SECOND = "log.cleaner.io.max.bytes.per.second";
    public static final String LOG_CLEANER_BACKOFF_MS = "log.cleaner.backoff.ms";
    public static final String METRICS_PORT = "metrics.port";
    public static final String CONSOLE_ADMIN_ENABLED = "console.admin.enabled";
    public static final String CONSOLE_MAX_CLIENTS = "console.max.clients";
    public static final String NUM_NETWORK_THREADS = "num.network.threads";
    public static final String OFFSETS_TOPIC_NUM_PARTITIONS = "offsets.topic.num.partitions";
    public static final String OFFSETS_TOPIC_REPLICATION_FACTOR = "offsets.topic.replication.factor";
    public static final String OFFSETS_TOPIC_SEGMENT_BYTES = "offsets.topic.segment.bytes";
    public static final String OFFSETS_COMMIT_TIMEOUT_MS = "offsets.commit.timeout.ms";
    public static final String GROUP_SESSION_TIMEOUT_MS = "group.consumer.session.timeout.ms";
    public static final String GROUP_MIN_SESSION_TIMEOUT_MS = "group.consumer.min.session.timeout.ms";
    public static final String GROUP_MAX_SESSION_TIMEOUT_MS = "group.consumer.max.session.timeout.ms";
    public static final String GROUP_HEARTBEAT_INTERVAL_MS = "group.consumer.heartbeat.interval.ms";
    public static final String GROUP_MIN_HEARTBEAT_INTERVAL_MS = "group.consumer.min.heartbeat.interval.ms";
    public static final String GROUP_MAX_HEARTBEAT_INTERVAL_MS = "group.consumer.max.heartbeat.interval.ms";
    public static final String QUEUE_COMMIT_TIMEOUT_MS = "queue.commit.timeout.ms";
    public static final String QUEUE_CONSUMER_TIMEOUT_MS = "queue.consumer.timeout.ms";
    public static final String QUEUE_MAX_MESSAGE_BYTES = "queue.max.message.bytes";
    public static final String QUEUE_CHECKPOINT_INTERVAL_ENTRIES = "queue.checkpoint.interval.entries";
    public static final String QUEUE_MOVE_THRESHOLD_ENTRIES = "queue.move.threshold.entries";

    static final String DEFAULT_LISTEN_HOST = "127.0.0.1";
    static final long DEFAULT_HEARTBEAT_INTERVAL_MS = 250;
    static final long DEFAULT_METADATA_MAX_LAG_MS = 3000;
    static final long DEFAULT_CONTROLLER_REQUEST_TIMEOUT_MS = 1000;
    static final long DEFAULT_CONTROLLER_RETRY_BACKOFF_MS = 100;
    static final long DEFAULT_CONTROLLED_SHUTDOWN_TIMEOUT_MS = 10_000;
    static final long DEFAULT_REPLICA_LAG_TIME_MAX_MS = 5000;
    static final long DEFAULT_REPLICA_FETCH_MAX_WAIT_MS = 500;
    static final long DEFAULT_REPLICA_FETCH_MAX_BYTES = 10 * 1024 * 1024;
    static final long DEFAULT_REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS = 5000;
    /** Kafka's default: five minutes. */
    static final long DEFAULT_LOG_RETENTION_CHECK_INTERVAL_MS = 300_000;
    /** Kafka's default: 168 hours. */
    static final long DEFAULT_LOG_RETENTION_MS = 7L * 24 * 60 * 60 * 1000;
    static final long DEFAULT_LOG_RETENTION_BYTES = -1;
    /** Room for a few default-sized batches and segment rolls before the disk is full again. */
    static final long DEFAULT_LOG_DIR_RESUME_FREE_BYTES = 64L * 1024 * 1024;
    /** Kafka's default: one day. */
    static final long DEFAULT_PRODUCER_ID_EXPIRATION_MS = 24L * 60 * 60 * 1000;
    static final boolean DEFAULT_LOG_CLEANER_ENABLE = true;
    /** Kafka's default: 128 MiB for the key map of one cleaning. */
    static final long DEFAULT_LOG_CLEANER_DEDUPE_BUFFER_SIZE = 128L * 1024 * 1024;
    /** The least CleanerOptions accepts; the most is Kafka's bound for one cleaner thread, 2 GiB - 1. */
    static final long MIN_LOG_CLEANER_DEDUPE_BUFFER_SIZE = 1024;
    /** Kafka's default: 15 seconds. */
    static final long DEFAULT_LOG_CLEANER_BACKOFF_MS = 15_000;
    /**
     * Off unless asked for: a fixed port would keep a second broker on the same host from starting,
     * and an ephemeral one is nothing a scrape configuration can name.
     */
    static final long DEFAULT_METRICS_PORT = -1;
    /** Read-only unless asked for: anyone who reaches the HTTP port reaches the console. */
    static final boolean DEFAULT_CONSOLE_ADMIN_ENABLED = false;
    /** Each streaming page holds one HTTP thread. */
    static final long DEFAULT_CONSOLE_MAX_CLIENTS = 8;

    /** 0: gRPC's shared event loops (two per core). */
    static final long DEFAULT_NUM_NETWORK_THREADS = 0;
    /** Kafka's defaults for the consumer-group coordinator. */
    static final long DEFAULT_OFFSETS_TOPIC_NUM_PARTITIONS = 50;
    static final long DEFAULT_OFFSETS_TOPIC_REPLICATION_FACTOR = 3;
    /** Kafka's default: 100 MiB, smaller than a topic's 1 GiB so that compaction finds closed segments sooner. */
    static final long DEFAULT_OFFSETS_TOPIC_SEGMENT_BYTES = 100L * 1024 * 1024;
    /** The smallest segment a log accepts (LogConfig). */
    static final long MIN_OFFSETS_TOPIC_SEGMENT_BYTES = 128;
    static final long DEFAULT_OFFSETS_COMMIT_TIMEOUT_MS = 5000;
    static final long DEFAULT_GROUP_SESSION_TIMEOUT_MS = 45_000;
    static final long DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS = 45_000;
    static final long DEFAULT_GROUP_MAX_SESSION_TIMEOUT_MS = 60_000;
    static final long DEFAULT_GROUP_HEARTBEAT_INTERVAL_MS = 5000;
    static final long DEFAULT_GROUP_MIN_HEARTBEAT_INTERVAL_MS = 5000;
    static final long DEFAULT_GROUP_MAX_HEARTBEAT_INTERVAL_MS = 15_000;

    static final Set<String> KNOWN_KEYS = Set.of(NODE_ID, LISTEN_HOST, RPC_PORT, ADVERTISED_HOST,
            DATA_DIR, RACK, CONTROLLER_BOOTSTRAP, HEARTBEAT_INTERVAL_MS, METADATA_MAX_LAG_MS,
            CONTROLLER_REQUEST_TIMEOUT_MS, CONTROLLER_RETRY_BACKOFF_MS, CONTROLLED_SHUTDOWN_TIMEOUT_MS, LOG_FLUSH_MODE,
            REPLICA_LAG_TIME_MAX_MS,
            REPLICA_FETCH_MAX_WAIT_MS, REPLICA_FETCH_MAX_BYTES, REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS,
            LOG_RETENTION_CHECK_INTERVAL_MS, LOG_RETENTION_MS, LOG_RETENTION_BYTES, PRODUCER_ID_EXPIRATION_MS,
            LOG_DIR_RESUME_FREE_BYTES, LOG_CLEANER_ENABLE,
            LOG_CLEANER_DEDUPE_BUFFER_SIZE, LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, LOG_CLEANER_BACKOFF_MS, METRICS_PORT,
            CONSOLE_ADMIN_ENABLED, CONSOLE_MAX_CLIENTS,
            NUM_NETWORK_THREADS, OFFSETS_TOPIC_NUM_PARTITIONS, OFFSETS_TOPIC_REPLICATION_FACTOR,
            OFFSETS_TOPIC_SEGMENT_BYTES, OFFSETS_COMMIT_TIMEOUT_MS,
            GROUP_SESSION_TIMEOUT_MS, GROUP_MIN_SESSION_TIMEOUT_MS, GROUP_MAX_SESSION_TIMEOUT_MS,
            GROUP_HEARTBEAT_INTERVAL_MS, GROUP_MIN_HEARTBEAT_INTERVAL_MS, GROUP_MAX_HEARTBEAT_INTERVAL_MS,
            QUEUE_COMMIT_TIMEOUT_MS, QUEUE_CONSUMER_TIMEOUT_MS, QUEUE_MAX_MESSAGE_BYTES,
            QUEUE_CHECKPOINT_INTERVAL_ENTRIES, QUEUE_MOVE_THRESHOLD_ENTRIES);

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
    private final Set<String> unknownKeys;

    private BrokerConfig(Map<String, String> values) {
        nodeId = (int) longValue(values, NODE_ID, null, 0, Integer.MAX_VALUE);
        listenHost = stringValue(values, LISTEN_HOST, DEFAULT_LISTEN_HOST);
        if (listenHost.isEmpty()) {
            throw new InvalidConfigException(LISTEN_HOST, "must name a host or address to bind");
        }
        rpcPort = (int) longValue(values, RPC_PORT, null, 0, 65535);
        advertisedHost = stringValue(values, ADVERTISED_HOST, listenHost);
        if (advertisedHost.isEmpty() || isWildcard(advertisedHost)) {
            throw new InvalidConfigException(ADVERTISED_HOST, "'" + advertisedHost
                    + "' is not an address others can connect to; set advertised.host to this machine's address");
        }
        dataDir = Path.of(stringValue(values, DATA_DIR, "./data/broker-" + nodeId));
        rack = stringValue(values, RACK, "");
        String bootstrap = stringValue(values, CONTROLLER_BOOTSTRAP, null);
        if (bootstrap == null) {
            throw new InvalidConfigException(CONTROLLER_BOOTSTRAP, "is required (host:port,... of the controllers)");
        }
        try {
            controllerBootstrap = HostPort.parseList(bootstrap);
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(CONTROLLER_BOOTSTRAP, e.getMessage() + " (expected host:port,...)");
        }
        heartbeatInterval = millis(values, HEARTBEAT_INTERVAL_MS, DEFAULT_HEARTBEAT_INTERVAL_MS);
        metadataMaxLag = millis(values, METADATA_MAX_LAG_MS, DEFAULT_METADATA_MAX_LAG_MS);
        controllerRequestTimeout = millis(values, CONTROLLER_REQUEST_TIMEOUT_MS, DEFAULT_CONTROLLER_REQUEST_TIMEOUT_MS);
        controllerRetryBackoff = millis(values, CONTROLLER_RETRY_BACKOFF_MS, DEFAULT_CONTROLLER_RETRY_BACKOFF_MS);
        controlledShutdownTimeout = millis(values, CONTROLLED_SHUTDOWN_TIMEOUT_MS,
                DEFAULT_CONTROLLED_SHUTDOWN_TIMEOUT_MS);
        String flushMode = stringValue(values, LOG_FLUSH_MODE, "sync").toLowerCase(Locale.ROOT);
        switch (flushMode) {
            case "sync" -> logFlushMode = FlushMode.SYNC;
            case "lazy" -> logFlushMode = FlushMode.LAZY;
            default -> throw new InvalidConfigException(LOG_FLUSH_MODE, "'" + flushMode + "' must be sync or lazy");
        }
        replicaLagTimeMax = millis(values, REPLICA_LAG_TIME_MAX_MS, DEFAULT_REPLICA_LAG_TIME_MAX_MS);
        replicaFetchMaxWait = millis(values, REPLICA_FETCH_MAX_WAIT_MS, DEFAULT_REPLICA_FETCH_MAX_WAIT_MS);
        replicaFetchMaxBytes = (int) longValue(values, REPLICA_FETCH_MAX_BYTES, DEFAULT_REPLICA_FETCH_MAX_BYTES,
                1024, Integer.MAX_VALUE);
        highWatermarkCheckpointInterval = millis(values, REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS,
                DEFAULT_REPLICA_HIGH_WATERMARK_CHECKPOINT_INTERVAL_MS);
        logRetentionCheckInterval = millis(values, LOG_RETENTION_CHECK_INTERVAL_MS,
                DEFAULT_LOG_RETENTION_CHECK_INTERVAL_MS);
        defaultRetention = new RetentionPolicy(
                longValue(values, LOG_RETENTION_MS, DEFAULT_LOG_RETENTION_MS, -1, Long.MAX_VALUE),
                longValue(values, LOG_RETENTION_BYTES, DEFAULT_LOG_RETENTION_BYTES, -1, Long.MAX_VALUE));
        producerIdExpiration = millis(values, PRODUCER_ID_EXPIRATION_MS, DEFAULT_PRODUCER_ID_EXPIRATION_MS);
        logDirResumeFreeBytes = longValue(values, LOG_DIR_RESUME_FREE_BYTES, DEFAULT_LOG_DIR_RESUME_FREE_BYTES, 0,
                Long.MAX_VALUE);
        cleaner = cleaner(values);
        metricsPort = (int) longValue(values, METRICS_PORT, DEFAULT_METRICS_PORT, -1, 65535);
        console = new Console.Settings(booleanValue(values, CONSOLE_ADMIN_ENABLED, DEFAULT_CONSOLE_ADMIN_ENABLED),
                (int) longValue(values, CONSOLE_MAX_CLIENTS, DEFAULT_CONSOLE_MAX_CLIENTS, 1, 256));
        numNetworkThreads = (int) longValue(values, NUM_NETWORK_THREADS, DEFAULT_NUM_NETWORK_THREADS, 0, 256);
        groupCoordinator = groupCoordinator(values);
        queues = queues(values);
        Set<String> unknown = new TreeSet<>(values.keySet());
        unknown.removeAll(KNOWN_KEYS);
        unknownKeys = Set.copyOf(unknown);
    }

    /**
     * Builds a configuration from key/value pairs.
     *
     * @throws InvalidConfigException naming the first key that is missing or malformed
     */
    public static BrokerConfig from(Map<String, String> values) {
        return new BrokerConfig(Map.copyOf(values));
    }

    /**
     * Reads a properties file, then applies {@code overrides} on top (later wins).
     *
     * @throws IOException when the file cannot be read
     * @throws InvalidConfigException naming the first key that is missing or malformed
     */
    public static BrokerConfig load(Path file, Map<String, String> overrides) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(reader);
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String name : properties.stringPropertyNames()) {
            values.put(name, properties.getProperty(name));
        }
        values.putAll(overrides);
        return from(values);
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

    private static CleanerSettings cleaner(Map<String, String> values) {
        boolean enabled = booleanValue(values, LOG_CLEANER_ENABLE, DEFAULT_LOG_CLEANER_ENABLE);
        long dedupeBufferBytes = longValue(values, LOG_CLEANER_DEDUPE_BUFFER_SIZE,
                DEFAULT_LOG_CLEANER_DEDUPE_BUFFER_SIZE, MIN_LOG_CLEANER_DEDUPE_BUFFER_SIZE, Integer.MAX_VALUE);
        // Unlimited unless set, as in Kafka (whose default is Double.MAX_VALUE bytes per second).
        OptionalLong ioMaxBytesPerSecond = stringValue(values, LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, "").isEmpty()
                ? OptionalLong.empty()
                : OptionalLong.of(longValue(values, LOG_CLEANER_IO_MAX_BYTES_PER_SECOND, null, 1, Long.MAX_VALUE));
        Duration backoff = millis(values, LOG_CLEANER_BACKOFF_MS, DEFAULT_LOG_CLEANER_BACKOFF_MS);
        return new CleanerSettings(enabled, dedupeBufferBytes, ioMaxBytesPerSecond, backoff);
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

    private static GroupCoordinatorService.Settings groupCoordinator(Map<String, String> values) {
        int partitions = (int) longValue(values, OFFSETS_TOPIC_NUM_PARTITIONS, DEFAULT_OFFSETS_TOPIC_NUM_PARTITIONS, 1,
                10_000);
        int replicationFactor = (int) longValue(values, OFFSETS_TOPIC_REPLICATION_FACTOR,
                DEFAULT_OFFSETS_TOPIC_REPLICATION_FACTOR, 1, Short.MAX_VALUE);
        int segmentBytes = (int) longValue(values, OFFSETS_TOPIC_SEGMENT_BYTES, DEFAULT_OFFSETS_TOPIC_SEGMENT_BYTES,
                MIN_OFFSETS_TOPIC_SEGMENT_BYTES, Integer.MAX_VALUE);
        Duration commitTimeout = millis(values, OFFSETS_COMMIT_TIMEOUT_MS, DEFAULT_OFFSETS_COMMIT_TIMEOUT_MS);
        GroupConfig groups;
        try {
            groups = GroupConfig.defaults().withTimeouts(
                    (int) millis(values, GROUP_SESSION_TIMEOUT_MS, DEFAULT_GROUP_SESSION_TIMEOUT_MS).toMillis(),
                    (int) millis(values, GROUP_MIN_SESSION_TIMEOUT_MS, DEFAULT_GROUP_MIN_SESSION_TIMEOUT_MS).toMillis(),
                    (int) millis(values, GROUP_MAX_SESSION_TIMEOUT_MS, DEFAULT_GROUP_MAX_SESSION_TIMEOUT_MS).toMillis(),
                    (int) millis(values, GROUP_HEARTBEAT_INTERVAL_MS, DEFAULT_GROUP_HEARTBEAT_INTERVAL_MS).toMillis(),
                    (int) millis(values, GROUP_MIN_HEARTBEAT_INTERVAL_MS,
                            DEFAULT_GROUP_MIN_HEARTBEAT_INTERVAL_MS).toMillis(),
                    (int) millis(values, GROUP_MAX_HEARTBEAT_INTERVAL_MS,
                            DEFAULT_GROUP_MAX_HEARTBEAT_INTERVAL_MS).toMillis());
        } catch (IllegalArgumentException e) {
            throw new InvalidConfigException(GROUP_SESSION_TIMEOUT_MS, e.getMessage()
                    + " (the group.consumer.* timeouts must satisfy min <= default <= max, heartbeat < session)");
        }
        return new GroupCoordinatorService.Settings(partitions, replicationFactor, segmentBytes, commitTimeout, groups);
    }

    /** How the queues this broker leads are run: commit and consumer timeouts, message size, checkpoints, moves. */
    public QueueBrokerSettings queues() {
        return queues;
    }

    private static QueueBrokerSettings queues(Map<String, String> values) {
        QueueBrokerSettings defaults = QueueBrokerSettings.defaults();
        return new QueueBrokerSettings(
                millis(values, QUEUE_COMMIT_TIMEOUT_MS, defaults.commitTimeoutMs()).toMillis(),
                millis(values, QUEUE_CONSUMER_TIMEOUT_MS, defaults.consumerTimeoutMs()).toMillis(),
                (int) longValue(values, QUEUE_MAX_MESSAGE_BYTES, (long) defaults.maxMessageBytes(), 1, 64 << 20),
                defaults.maxBatchBytes(), defaults.messageCacheBytes(),
                longValue(values, QUEUE_CHECKPOINT_INTERVAL_ENTRIES, defaults.checkpointEntries(), 1, Long.MAX_VALUE),
                longValue(values, QUEUE_MOVE_THRESHOLD_ENTRIES, defaults.moveThresholdEntries(), 2, Long.MAX_VALUE),
                defaults.moveBatch());
    }

    /** Keys that were given but mean nothing to the broker (likely typos); the caller warns. */
    public Set<String> unknownKeys() {
        return unknownKeys;
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

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }

    private static String stringValue(Map<String, String> values, String key, String defaultValue) {
        String value = values.get(key);
        return value == null ? defaultValue : value.trim();
    }

    private static Duration millis(Map<String, String> values, String key, long defaultValue) {
        return Duration.ofMillis(longValue(values, key, defaultValue, 1, Integer.MAX_VALUE));
    }

    private static boolean booleanValue(Map<String, String> values, String key, boolean defaultValue) {
        String text = stringValue(values, key, "").toLowerCase(Locale.ROOT);
        return switch (text) {
            case "" -> defaultValue;
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidConfigException(key, "'" + text + "' must be true or false");
        };
    }

    private static long longValue(Map<String, String> values, String key, Long defaultValue, long min, long max) {
        String text = stringValue(values, key, null);
        if (text == null || text.isEmpty()) {
            if (defaultValue == null) {
                throw new InvalidConfigException(key, "is required");
            }
            return defaultValue;
        }
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new InvalidConfigException(key, "'" + text + "' is not an integer");
        }
        if (value < min || value > max) {
            throw new InvalidConfigException(key, value + " is outside " + min + ".." + max);
        }
        return value;
    }
}
