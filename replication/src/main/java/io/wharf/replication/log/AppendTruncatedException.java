package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;

/**
 * A SYNC-mode append was written but the log was truncated below it (this replica stopped
 * leading) before its fsync, so it will never become durable here. Immutable.
 */
public final class AppendTruncatedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AppendTruncatedException(long awaitedOffset, long logEndOffset) {
        super("offsets below " + awaitedOffset + " were truncated (log end is now " + logEndOffset
                + ") before they became durable; retry against the current leader");
    }

    public ErrorCode errorCode() {
        return ErrorCode.NOT_LEADER;
    }
}
