package io.wharf.client;

import io.wharf.proto.common.ErrorCode;

/**
 * A produce, fetch, metadata, queue or admin operation that failed for good: the wire error code of
 * the last failure and a message with its context (topic, partition, queue, broker). Immutable.
 */
public class ClientException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    public ClientException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    public ClientException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The error code; {@link ErrorCode#REQUEST_TIMED_OUT} when retries ran out on transport errors. */
    public ErrorCode code() {
        return code;
    }
}
