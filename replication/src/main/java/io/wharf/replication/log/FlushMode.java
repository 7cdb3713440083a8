package io.wharf.replication.log;

/** When appended batches are forced to disk ({@code flush.mode}). Immutable. */
public enum FlushMode {
    /** Every append is fsynced before it is reported; concurrent appends share one fsync. */
    SYNC,
    /**
     * Only fsynced offsets count as durable, as in {@link #SYNC}, but an append returns once
     * written: the log's owner fsyncs with {@link Log#flush()} (a broker's per-directory
     * flusher), so one fsync covers the appends of many producers and replication to followers
     * overlaps it. Rolled segments are fsynced on the flush executor as in {@link #LAZY}.
     */
    DEFERRED,
    /**
     * Data stays in the page cache; fsync happens on segment roll (on the caller's flush executor
     * when the log has one, see {@link Log#open(java.nio.file.Path, LogConfig, java.time.Clock,
     * java.util.concurrent.Executor)}), {@link Log#flush()} and close.
     */
    LAZY
}
