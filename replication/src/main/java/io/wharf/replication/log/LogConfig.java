package io.wharf.replication.log;

import static io.wharf.config.TopicConfigKeys.CLEANUP_POLICY;
import static io.wharf.config.TopicConfigKeys.DELETE_RETENTION_MS;
import static io.wharf.config.TopicConfigKeys.MAX_COMPACTION_LAG_MS;
import static io.wharf.config.TopicConfigKeys.MAX_MESSAGE_BYTES;
import static io.wharf.config.TopicConfigKeys.MIN_CLEANABLE_DIRTY_RATIO;
import static io.wharf.config.TopicConfigKeys.MIN_COMPACTION_LAG_MS;
import static io.wharf.config.TopicConfigKeys.SEGMENT_BYTES;
import static io.wharf.config.TopicConfigKeys.SEGMENT_MS;

import io.wharf.config.ParsedConfig;
import io.wharf.config.TopicConfigKeys;
import java.util.Locale;
import java.util.Map;

/**
 * Settings of one partition log. Immutable; build with {@link #builder()} or
 * {@link #fromProperties(Map)}. Most keys are topic configs, whose defaults and bounds are defined
 * once in {@link TopicConfigKeys} (listed in docs/configuration.md): segment.bytes, segment.ms,
 * max.message.bytes, cleanup.policy ({@link CleanupPolicy}; a compacted log refuses producer
 * records without a key), min.cleanable.dirty.ratio, min.compaction.lag.ms, max.compaction.lag.ms
 * and delete.retention.ms. Retention is not here but a {@link RetentionPolicy} given to each
 * {@link Log#enforceRetention} call, since it may change while the log is open. The others are the
 * log's own, set by the broker rather than by a topic:
 *
 * <table>
 * <caption>the log's own keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>flush.mode</td><td>sync</td><td>sync: fsync before an append returns (group commit); lazy: page cache, fsync on roll (in the background if the log has a flush executor), flush() and close</td></tr>
 * <tr><td>index.interval.bytes</td><td>4096</td><td>bytes of batches between two sparse index entries</td></tr>
 * <tr><td>segment.index.bytes</td><td>10485760 (10 MiB)</td><td>preallocated size of each offset and time index file</td></tr>
 * </table>
 */
public final class LogConfig {
    public static final String FLUSH_MODE = "flush.mode";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";

    public static final int DEFAULT_SEGMENT_BYTES = TopicConfigKeys.DEFAULTS.intValue(SEGMENT_BYTES);
    public static final long DEFAULT_SEGMENT_MS = TopicConfigKeys.DEFAULTS.longValue(SEGMENT_MS);
    public static final FlushMode DEFAULT_FLUSH_MODE = FlushMode.SYNC;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final int DEFAULT_SEGMENT_INDEX_BYTES = 10 * 1024 * 1024;
    public static final int DEFAULT_MAX_MESSAGE_BYTES =
            TopicConfigKeys.DEFAULTS.intValue(MAX_MESSAGE_BYTES);
    public static final CleanupPolicy DEFAULT_CLEANUP_POLICY =
            cleanupPolicy(TopicConfigKeys.DEFAULTS);
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO =
            TopicConfigKeys.DEFAULTS.doubleValue(MIN_CLEANABLE_DIRTY_RATIO);
    public static final long DEFAULT_MIN_COMPACTION_LAG_MS =
            TopicConfigKeys.DEFAULTS.longValue(MIN_COMPACTION_LAG_MS);
    public static final long DEFAULT_MAX_COMPACTION_LAG_MS =
            TopicConfigKeys.DEFAULTS.longValue(MAX_COMPACTION_LAG_MS);
    public static final long DEFAULT_DELETE_RETENTION_MS =
            TopicConfigKeys.DEFAULTS.longValue(DELETE_RETENTION_MS);

    private final int segmentBytes;
    private final long segmentMs;
    private final FlushMode flushMode;
    private final int indexIntervalBytes;
    private final int segmentIndexBytes;
    private final int maxMessageBytes;
    private final CleanupPolicy cleanupPolicy;
    private final double minCleanableDirtyRatio;
    private final long minCompactionLagMs;
    private final long maxCompactionLagMs;
    private final long deleteRetentionMs;

    private LogConfig(Builder b) {
        this.segmentBytes = atLeast(SEGMENT_BYTES.name(), b.segmentBytes, 128);
        this.segmentMs = atLeast(SEGMENT_MS.name(), b.segmentMs, 1);
        if (b.flushMode == null) {
            throw new IllegalArgumentException(FLUSH_MODE + " must be sync or lazy");
        }
        this.flushMode = b.flushMode;
        this.indexIntervalBytes = atLeast(INDEX_INTERVAL_BYTES, b.indexIntervalBytes, 0);
        this.segmentIndexBytes = atLeast(SEGMENT_INDEX_BYTES, b.segmentIndexBytes, 24);
        this.maxMessageBytes = atLeast(MAX_MESSAGE_BYTES.name(), b.maxMessageBytes, 61);
        if (b.cleanupPolicy == null) {
            throw new IllegalArgumentException(CLEANUP_POLICY.name() + " must be delete, compact or compact,delete");
        }
        this.cleanupPolicy = b.cleanupPolicy;
        if (!(b.minCleanableDirtyRatio >= 0 && b.minCleanableDirtyRatio <= 1)) {
            throw new IllegalArgumentException(MIN_CLEANABLE_DIRTY_RATIO.name() + " is " + b.minCleanableDirtyRatio
                    + " but must be from 0 to 1");
        }
        this.minCleanableDirtyRatio = b.minCleanableDirtyRatio;
        this.minCompactionLagMs = atLeast(MIN_COMPACTION_LAG_MS.name(), b.minCompactionLagMs, 0);
        this.maxCompactionLagMs = atLeast(MAX_COMPACTION_LAG_MS.name(), b.maxCompactionLagMs, 1);
        this.deleteRetentionMs = atLeast(DELETE_RETENTION_MS.name(), b.deleteRetentionMs, 0);
    }

    private static int atLeast(String key, int value, int min) {
        return (int) atLeast(key, (long) value, min);
    }

    private static long atLeast(String key, long value, long min) {
        if (value < min) {
            throw new IllegalArgumentException(key + " is " + value + " but must be at least " + min);
        }
        return value;
    }

    /** The defaults listed in the class comment. */
    public static LogConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads the topic configs through their definitions ({@link TopicConfigKeys}) and the log's own
     * keys; absent keys take their defaults, other keys are ignored (topic configs carry more than
     * the log's).
     *
     * @throws IllegalArgumentException naming the key whose value is not allowed: for a topic
     *     config an {@link io.wharf.config.InvalidConfigException}; for flush.mode, not sync,
     *     deferred or lazy
     */
    public static LogConfig fromProperties(Map<String, String> properties) {
        ParsedConfig topic = TopicConfigKeys.SET.parseIgnoringUnknown(properties);
        Builder b = builder();
        b.segmentBytes(topic.intValue(SEGMENT_BYTES));
        b.segmentMs(topic.longValue(SEGMENT_MS));
        b.maxMessageBytes(topic.intValue(MAX_MESSAGE_BYTES));
        b.cleanupPolicy(cleanupPolicy(topic));
        b.minCleanableDirtyRatio(topic.doubleValue(MIN_CLEANABLE_DIRTY_RATIO));
        b.minCompactionLagMs(topic.longValue(MIN_COMPACTION_LAG_MS));
        b.maxCompactionLagMs(topic.longValue(MAX_COMPACTION_LAG_MS));
        b.deleteRetentionMs(topic.longValue(DELETE_RETENTION_MS));
        b.indexIntervalBytes((int) number(properties, INDEX_INTERVAL_BYTES, b.indexIntervalBytes, Integer.MAX_VALUE));
        b.segmentIndexBytes((int) number(properties, SEGMENT_INDEX_BYTES, b.segmentIndexBytes, Integer.MAX_VALUE));
        String mode = properties.get(FLUSH_MODE);
        if (mode != null) {
            switch (mode.trim().toLowerCase(Locale.ROOT)) {
                case "sync" -> b.flushMode(FlushMode.SYNC);
                case "lazy" -> b.flushMode(FlushMode.LAZY);
                case "deferred" -> b.flushMode(FlushMode.DEFERRED);
                default -> throw new IllegalArgumentException(FLUSH_MODE + " is '" + mode
                        + "' but must be sync, deferred or lazy");
            }
        }
        return b.build();
    }

    private static CleanupPolicy cleanupPolicy(ParsedConfig topic) {
        return CleanupPolicy.parse(String.join(",", topic.listValue(CLEANUP_POLICY)));
    }

    /** One of the log's own numeric keys, which are not topic configs and so have no definition there. */
    private static long number(Map<String, String> properties, String key, long fallback, long max) {
        String raw = properties.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(raw.trim());
            if (value > max) {
                throw new IllegalArgumentException(key + " is " + value + " but must be at most " + max);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + raw + "' but must be a whole number", e);
        }
    }

    public int segmentBytes() {
        return segmentBytes;
    }

    public long segmentMs() {
        return segmentMs;
    }

    public FlushMode flushMode() {
        return flushMode;
    }

    public int indexIntervalBytes() {
        return indexIntervalBytes;
    }

    public int segmentIndexBytes() {
        return segmentIndexBytes;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    public CleanupPolicy cleanupPolicy() {
        return cleanupPolicy;
    }

    public double minCleanableDirtyRatio() {
        return minCleanableDirtyRatio;
    }

    public long minCompactionLagMs() {
        return minCompactionLagMs;
    }

    public long maxCompactionLagMs() {
        return maxCompactionLagMs;
    }

    public long deleteRetentionMs() {
        return deleteRetentionMs;
    }

    /** A builder starting from this config's values. */
    public Builder toBuilder() {
        return builder().segmentBytes(segmentBytes).segmentMs(segmentMs).flushMode(flushMode).indexIntervalBytes(indexIntervalBytes)
                .segmentIndexBytes(segmentIndexBytes).maxMessageBytes(maxMessageBytes).cleanupPolicy(cleanupPolicy)
                .minCleanableDirtyRatio(minCleanableDirtyRatio).minCompactionLagMs(minCompactionLagMs)
                .maxCompactionLagMs(maxCompactionLagMs).deleteRetentionMs(deleteRetentionMs);
    }

    @Override
    public String toString() {
        return "LogConfig(" + SEGMENT_BYTES.name() + "=" + segmentBytes + ", " + SEGMENT_MS.name() + "=" + segmentMs + ", "
                + FLUSH_MODE + "=" + flushMode.name().toLowerCase(Locale.ROOT) + ", "
                + INDEX_INTERVAL_BYTES + "=" + indexIntervalBytes + ", " + SEGMENT_INDEX_BYTES + "=" + segmentIndexBytes
                + ", " + MAX_MESSAGE_BYTES.name() + "=" + maxMessageBytes + ", " + CLEANUP_POLICY.name() + "="
                + cleanupPolicy.configValue() + (cleanupPolicy.compacts() ? ", " + MIN_CLEANABLE_DIRTY_RATIO.name() + "="
                + minCleanableDirtyRatio + ", " + MIN_COMPACTION_LAG_MS.name() + "=" + minCompactionLagMs + ", "
                + MAX_COMPACTION_LAG_MS.name() + "=" + maxCompactionLagMs + ", " + DELETE_RETENTION_MS.name() + "=" + deleteRetentionMs
                : "") + ")";
    }

    /** Mutable collector for a {@link LogConfig}; single-threaded. Validation happens in {@link #build()}. */
    public static final class Builder {
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private long segmentMs = DEFAULT_SEGMENT_MS;
        private FlushMode flushMode = DEFAULT_FLUSH_MODE;
        private int indexIntervalBytes = DEFAULT_INDEX_INTERVAL_BYTES;
        private int segmentIndexBytes = DEFAULT_SEGMENT_INDEX_BYTES;
        private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
        private CleanupPolicy cleanupPolicy = DEFAULT_CLEANUP_POLICY;
        private double minCleanableDirtyRatio = DEFAULT_MIN_CLEANABLE_DIRTY_RATIO;
        private long minCompactionLagMs = DEFAULT_MIN_COMPACTION_LAG_MS;
        private long maxCompactionLagMs = DEFAULT_MAX_COMPACTION_LAG_MS;
        private long deleteRetentionMs = DEFAULT_DELETE_RETENTION_MS;

        private Builder() {
        }

        public Builder cleanupPolicy(CleanupPolicy value) {
            cleanupPolicy = value;
            return this;
        }

        public Builder minCleanableDirtyRatio(double value) {
            minCleanableDirtyRatio = value;
            return this;
        }

        public Builder minCompactionLagMs(long value) {
            minCompactionLagMs = value;
            return this;
        }

        public Builder maxCompactionLagMs(long value) {
            maxCompactionLagMs = value;
            return this;
        }

        public Builder deleteRetentionMs(long value) {
            deleteRetentionMs = value;
            return this;
        }

        public Builder segmentBytes(int value) {
            segmentBytes = value;
            return this;
        }

        public Builder segmentMs(long value) {
            segmentMs = value;
            return this;
        }

        public Builder flushMode(FlushMode value) {
            flushMode = value;
            return this;
        }

        public Builder indexIntervalBytes(int value) {
            indexIntervalBytes = value;
            return this;
        }

        public Builder segmentIndexBytes(int value) {
            segmentIndexBytes = value;
            return this;
        }

        public Builder maxMessageBytes(int value) {
            maxMessageBytes = value;
            return this;
        }

        /** @throws IllegalArgumentException naming the first key out of range */
        public LogConfig build() {
            return new LogConfig(this);
        }
    }
}
