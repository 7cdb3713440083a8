package io.wharf.replication.replica;

import io.wharf.proto.common.ErrorCode;

/**
 * A replica-level refusal or failure with the wire error code that describes it (for example
 * NOT_ENOUGH_REPLICAS before an append, REQUEST_TIMED_OUT or NOT_LEADER for an acks=all wait).
 * Immutable.
 */
public final class ReplicationException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode errorCode;

    public ReplicationException(ErrorCode errorCode, String message) {
        super(message);
        this.errorCode = errorCode;
    }

    public ErrorCode errorCode() {
        return errorCode;
    }
}
