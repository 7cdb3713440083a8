package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;

/**
 * Batches that are well-formed but cannot go into this log as offered: a follower batch whose
 * offsets do not continue the log, a leader batch whose offset deltas are not 0..count-1, or a
 * leader epoch older than the log's latest. Nothing was appended. Immutable.
 */
public final class InvalidAppendException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode errorCode;

    public InvalidAppendException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }
}
