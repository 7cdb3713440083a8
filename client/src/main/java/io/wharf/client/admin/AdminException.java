package io.wharf.client.admin;

import io.wharf.client.ClientException;
import io.wharf.proto.common.ErrorCode;

/**
 * A failed admin call as a whole: the error code and the message of the last failure seen, after
 * retries of retriable failures were exhausted, or a non-retriable failure of the call itself.
 * Immutable.
 */
public final class AdminException extends ClientException {
    private static final long serialVersionUID = 1L;

    public AdminException(ErrorCode code, String message) {
        super(code, message);
    }

    public AdminException(ErrorCode code, String message, Throwable cause) {
        super(code, message, cause);
    }
}
