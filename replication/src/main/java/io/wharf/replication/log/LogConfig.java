package io.wharf.replication.log;

import java.util.Locale;
import java.util.Map;

/**
 * Settings of one partition log. Immutable; build with {@link #builder()} or
 * {@link #fromProperties(Map)}. Keys and defaults (Kafka's where Kafka has the key); retention
 * is not here but a {@link RetentionPolicy} given to each {@link Log#enforceRetention} call,
 * since it may change while the log is open:
 *
 * <table>
 * <caption>log configuration keys</caption>
 * <tr><th>key</th><th>default</th><th>meaning</th></tr>
 * <tr><td>segment.bytes</td><td>1073741824 (1 GiB)</td><td>roll when the active segment would grow past this</td></tr>
 * <tr><td>segment.ms</td><td>604800000 (7 days)</td><td>roll when the active segment's first batch is older than this</td></tr>
 * <tr><td>flush.mode</td><td>sync</td><td>sync: fsync before an append returns (group commit); lazy: page cache, fsync on roll (in the background if the log has a flush executor), flush() and close</td></tr>
 * <tr><td>index.interval.bytes</td><td>4096</td><td>bytes of batches between two sparse index entries</td></tr>
 * <tr><td>segment.index.bytes</td><td>10485760 (10 MiB)</td><td>preallocated size of each offset and time index file</td></tr>
 * <tr><td>max.message.bytes</td><td>1048588</td><td>largest batch an append accepts</td></tr>
 * <tr><td>cleanup.policy</td><td>delete</td><td>delete, compact or compact,delete ({@link CleanupPolicy}); a compacted
 * log refuses producer records without a key</td></tr>
 * <tr><td>min.cleanable.dirty.ratio</td><td>0.5</td><td>the cleaner takes a compacted log once this share of its cleanable
 * bytes is dirty (not yet cleaned)</td></tr>
 * <tr><td>min.compaction.lag.ms</td><td>0</td><td>a record stays uncompacted at least this long after its timestamp</td></tr>
 * <tr><td>max.compaction.lag.ms</td><td>9223372036854775807</td><td>a dirty record older than this makes its log due
 * for cleaning whatever its dirty ratio</td></tr>
 * <tr><td>delete.retention.ms</td><td>86400000 (1 day)</td><td>how long a tombstone (null value) stays after its
 * timestamp, so slow readers see the delete</td></tr>
 * </table>
 */
public final class LogConfig {
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String FLUSH_MODE = "flush.mode";
    public static final String INDEX_INTERVAL_BYTES = "index.interval.bytes";
    public static final String SEGMENT_INDEX_BYTES = "segment.index.bytes";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";

    public static final int DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
    public static final long DEFAULT_SEGMENT_MS = 7L * 24 * 60 * 60 * 1000;
    public static final FlushMode DEFAULT_FLUSH_MODE = FlushMode.SYNC;
    public static final int DEFAULT_INDEX_INTERVAL_BYTES = 4096;
    public static final int DEFAULT_SEGMENT_INDEX_BYTES = 10 * 1024 * 1024;
    public static final int DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024 + 12;
    public static final CleanupPolicy DEFAULT_CLEANUP_POLICY = CleanupPolicy.DELETE;
    public static final double DEFAULT_MIN_CLEANABLE_DIRTY_RATIO = 0.5;
    public static final long DEFAULT_MIN_COMPACTION_LAG_MS = 0;
    public static final long DEFAULT_MAX_COMPACTION_LAG_MS = Long.MAX_VALUE;
    public static final long DEFAULT_DELETE_RETENTION_MS = 24L * 60 * 60 * 1000;

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
        this.segmentBytes = atLeast(SEGMENT_BYTES, b.segmentBytes, 128);
        this.segmentMs = atLeast(SEGMENT_MS, b.segmentMs, 1);
        if (b.flushMode == null) {
            throw new IllegalArgumentException(FLUSH_MODE + " must be sync or lazy");
        }
        this.flushMode = b.flushMode;
        this.indexIntervalBytes = atLeast(INDEX_INTERVAL_BYTES, b.indexIntervalBytes, 0);
        this.segmentIndexBytes = atLeast(SEGMENT_INDEX_BYTES, b.segmentIndexBytes, 24);
        this.maxMessageBytes = atLeast(MAX_MESSAGE_BYTES, b.maxMessageBytes, 61);
        if (b.cleanupPolicy == null) {
            throw new IllegalArgumentException(CLEANUP_POLICY + " must be delete, compact or compact,delete");
        }
        this.cleanupPolicy = b.cleanupPolicy;
        if (!(b.minCleanableDirtyRatio >= 0 && b.minCleanableDirtyRatio <= 1)) {
            throw new IllegalArgumentException(MIN_CLEANABLE_DIRTY_RATIO + " is " + b.minCleanableDirtyRatio
                    + " but must be from 0 to 1");
        }
        this.minCleanableDirtyRatio = b.minCleanableDirtyRatio;
        this.minCompactionLagMs = atLeast(MIN_COMPACTION_LAG_MS, b.minCompactionLagMs, 0);
        this.maxCompactionLagMs = atLeast(MAX_COMPACTION_LAG_MS, b.maxCompactionLagMs, 1);
        this.deleteRetentionMs = atLeast(DELETE_RETENTION_MS, b.deleteRetentionMs, 0);
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
     * Reads the keys listed in the class comment; absent keys take their defaults, other keys are
     * ignored (topic configs carry more than the log's).
     *
     * @throws IllegalArgumentException naming the key whose value is not a number in range or,
     *     for flush.mode, not sync or lazy
     */
    public static LogConfig fromProperties(Map<String, String> properties) {
        Builder b = builder();
        b.segmentBytes((int) number(properties, SEGMENT_BYTES, b.segmentBytes, Integer.MAX_VALUE));
        b.segmentMs(number(properties, SEGMENT_MS, b.segmentMs, Long.MAX_VALUE));
        b.indexIntervalBytes((int) number(properties, INDEX_INTERVAL_BYTES, b.indexIntervalBytes, Integer.MAX_VALUE));
        b.segmentIndexBytes((int) number(properties, SEGMENT_INDEX_BYTES, b.segmentIndexBytes, Integer.MAX_VALUE));
        b.maxMessageBytes((int) number(properties, MAX_MESSAGE_BYTES, b.maxMessageBytes, Integer.MAX_VALUE));
        b.minCompactionLagMs(number(properties, MIN_COMPACTION_LAG_MS, b.minCompactionLagMs, Long.MAX_VALUE));
        b.maxCompactionLagMs(number(properties, MAX_COMPACTION_LAG_MS, b.maxCompactionLagMs, Long.MAX_VALUE));
        b.deleteRetentionMs(number(properties, DELETE_RETENTION_MS, b.deleteRetentionMs, Long.MAX_VALUE));
        String policy = properties.get(CLEANUP_POLICY);
        if (policy != null) {
            b.cleanupPolicy(CleanupPolicy.parse(policy));
        }
        String ratio = properties.get(MIN_CLEANABLE_DIRTY_RATIO);
        if (ratio != null) {
            try {
                b.minCleanableDirtyRatio(Double.parseDouble(ratio.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(MIN_CLEANABLE_DIRTY_RATIO + " is '" + ratio
                        + "' but must be a number from 0 to 1", e);
            }
        }
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
        return "LogConfig(" + SEGMENT_BYTES + "=" + segmentBytes + ", " + SEGMENT_MS + "=" + segmentMs + ", "
                + FLUSH_MODE + "=" + flushMode.name().toLowerCase(Locale.ROOT) + ", "
                + INDEX_INTERVAL_BYTES + "=" + indexIntervalBytes + ", " + SEGMENT_INDEX_BYTES + "=" + segmentIndexBytes
                + ", " + MAX_MESSAGE_BYTES + "=" + maxMessageBytes + ", " + CLEANUP_POLICY + "="
                + cleanupPolicy.configValue() + (cleanupPolicy.compacts() ? ", " + MIN_CLEANABLE_DIRTY_RATIO + "="
                + minCleanableDirtyRatio + ", " + MIN_COMPACTION_LAG_MS + "=" + minCompactionLagMs + ", "
                + MAX_COMPACTION_LAG_MS + "=" + maxCompactionLagMs + ", " + DELETE_RETENTION_MS + "=" + deleteRetentionMs
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
