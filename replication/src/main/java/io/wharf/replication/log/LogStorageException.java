package io.wharf.replication.log;

import java.io.IOException;

/**
 * An I/O failure of the log's files. The log may be partially written; the owner should stop
 * using it and reopen it (recovery repairs the tail). When the failure took an open log offline
 * it is the subclass {@link LogOfflineException}. Immutable.
 */
public class LogStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogStorageException(String message, IOException cause) {
        super(message + ": " + cause, cause);
    }

    public LogStorageException(String message) {
        super(message);
    }

    /** For subclasses whose message already names {@code cause}. */
    LogStorageException(String message, Throwable cause) {
        super(message, cause);
    }
}
