package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;

/**
 * A read or deletion named an offset outside [log start offset, log end offset]. Carries the
 * valid range at the time of the call. Immutable.
 */
public final class OffsetOutOfRangeException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long requestedOffset;
    private final long logStartOffset;
    private final long logEndOffset;

    public OffsetOutOfRangeException(long requestedOffset, long logStartOffset, long logEndOffset) {
        super("offset " + requestedOffset + " is out of range: this log holds offsets from " + logStartOffset
                + " (log start) up to " + logEndOffset + " (log end, exclusive)");
        this.requestedOffset = requestedOffset;
        this.logStartOffset = logStartOffset;
        this.logEndOffset = logEndOffset;
    }

    public long requestedOffset() {
        return requestedOffset;
    }

    public long logStartOffset() {
        return logStartOffset;
    }

    public long logEndOffset() {
        return logEndOffset;
    }

    public ErrorCode errorCode() {
        return ErrorCode.OFFSET_OUT_OF_RANGE;
    }
}
