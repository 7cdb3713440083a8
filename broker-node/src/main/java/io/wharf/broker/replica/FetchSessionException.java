package io.wharf.broker.replica;

import io.wharf.proto.common.ErrorCode;

/**
 * An incremental ReplicaFetch names a session the leader does not have, or a session epoch it
 * does not expect: the follower must send a full request.
 */
final class FetchSessionException extends RuntimeException {

    private final ErrorCode code;

    FetchSessionException(ErrorCode code, String message) {
        super(message);
        this.code = code;
    }

    /** FETCH_SESSION_ID_NOT_FOUND or INVALID_FETCH_SESSION_EPOCH. */
    ErrorCode code() {
        return code;
    }
}
