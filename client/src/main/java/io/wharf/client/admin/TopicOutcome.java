package io.wharf.client.admin;

import io.wharf.proto.common.ErrorCode;

/**
 * The result of one topic of a create or delete call. Immutable.
 *
 * @param name the topic
 * @param error {@link ErrorCode#NONE} on success
 * @param message what went wrong and what to fix; empty on success
 */
public record TopicOutcome(String name, ErrorCode error, String message) {

    public static TopicOutcome success(String name) {
        return new TopicOutcome(name, ErrorCode.NONE, "");
    }

    public boolean succeeded() {
        return error == ErrorCode.NONE;
    }
}
