package io.wharf.client.admin;

import io.wharf.proto.common.ErrorCode;

/**
 * A failed admin call as a whole: the error code and the message of the last failure seen, after
 * retries of retriable failures were exhausted, or a non-retriable failure of the call itself.
 * Immutable.
 */
public final class AdminException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public AdminException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public AdminException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The error code of the failure; {@link ErrorCode#REQUEST_TIMED_OUT} when retries ran out on transport errors. */
    public ErrorCode code() {
        return code;
    }
}
