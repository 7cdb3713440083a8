package io.wharf.replication.log;

/** When appended batches are forced to disk ({@code flush.mode}). Immutable. */
public enum FlushMode {
    /** Every append is fsynced before it is reported; concurrent appends share one fsync. */
    SYNC,
    /**
     * Data stays in the page cache; fsync happens on segment roll (on the caller's flush executor
     * when the log has one, see {@link Log#open(java.nio.file.Path, LogConfig, java.time.Clock,
     * java.util.concurrent.Executor)}), {@link Log#flush()} and close.
     */
    LAZY
}
