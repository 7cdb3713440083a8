package io.wharf.replication.log;

/** When appended batches are forced to disk ({@code flush.mode}). Immutable. */
public enum FlushMode {
    /** Every append is fsynced before it is reported; concurrent appends share one fsync. */
    SYNC,
    /** Data stays in the page cache; fsync happens on segment roll, {@link Log#flush()} and close. */
    LAZY
}
