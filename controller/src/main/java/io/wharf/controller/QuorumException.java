package io.wharf.controller;

import io.wharf.proto.common.ErrorCode;

/** A quorum request that did not produce an answer, with the wire error code to report. Immutable. */
final class QuorumException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final ErrorCode code;

    QuorumException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** CONTROLLER_UNAVAILABLE (retriable) or INVALID_REQUEST. */
    ErrorCode code() {
        return code;
    }
}
