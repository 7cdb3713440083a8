package io.wharf.replication.log;

/**
 * How long and how much of a partition log to keep: Kafka's {@code retention.ms} (by each
 * segment's newest record timestamp) and {@code retention.bytes} (of the whole log). Applied by
 * {@link Log#enforceRetention(RetentionPolicy, long)}; it is not part of {@link LogConfig}
 * because it may change while the log stays open (a topic config change). Immutable.
 *
 * @param retentionMs    delete segments whose newest timestamp is older than this; -1 keeps forever
 * @param retentionBytes delete the oldest segments while the log stays at least this big without
 *                       them; -1 means no size limit
 */
public record RetentionPolicy(long retentionMs, long retentionBytes) {

    /** Keeps everything: no time and no size limit. */
    public static final RetentionPolicy KEEP_FOREVER = new RetentionPolicy(-1, -1);

    /** @throws IllegalArgumentException naming the limit below -1 */
    public RetentionPolicy {
        if (retentionMs < -1) {
            throw new IllegalArgumentException("retention.ms is " + retentionMs + " but must be -1 (forever) or >= 0");
        }
        if (retentionBytes < -1) {
            throw new IllegalArgumentException("retention.bytes is " + retentionBytes
                    + " but must be -1 (no limit) or >= 0");
        }
    }
}
