package io.wharf.replication.log;

import java.nio.file.Path;

/**
 * The log hit a storage fault and is offline: an I/O error while writing, fsyncing, rolling,
 * truncating, deleting or reading its files (or writing its checkpoints). The call that hit the
 * fault throws this, and so does every later append, read, flush, truncation and retention call
 * on the log, until the directory is reopened (which recovers what was fsynced). The message names
 * the directory, the operation that failed and the original I/O error, which is the cause.
 * Immutable.
 */
public final class LogOfflineException extends LogStorageException {
    private static final long serialVersionUID = 1L;
    private final transient Path directory;

    LogOfflineException(Path directory, String failedOperation, Throwable cause) {
        super("log " + directory + " is offline: " + failedOperation + " failed with " + cause
                + "; it refuses appends, reads, flushes and truncation until it is reopened", cause);
        this.directory = directory;
    }

    private LogOfflineException(LogOfflineException original) {
        super(original.getMessage(), original.getCause());
        this.directory = original.directory;
    }

    /** The same fault, thrown again from a later call (so the stack trace is that call's). */
    LogOfflineException refusal() {
        return new LogOfflineException(this);
    }

    /** The partition directory of the offline log. */
    public Path directory() {
        return directory;
    }
}
