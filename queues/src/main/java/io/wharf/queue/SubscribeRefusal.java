package io.wharf.queue;

import io.wharf.proto.common.ErrorCode;

/**
 * Why a consumer may not subscribe; the leader returns it to the client instead of appending the
 * Subscribe. Immutable.
 *
 * @param code    RESOURCE_LOCKED for an exclusive conflict, INVALID_REQUEST for a consumer id in use
 * @param message for people
 */
public record SubscribeRefusal(ErrorCode code, String message) {
}
