package io.wharf.client.admin;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;

/**
 * One try of an admin call against one controller; it either finishes the call or asks for a
 * retry with the retriable error it saw. An attempt may keep state across tries of the same call
 * (e.g. which topics still need creating). Single-threaded; owned by one call.
 */
@FunctionalInterface
interface Attempt<T> {

    Outcome<T> run(ControllerServiceBlockingStub stub);

    /** What one attempt ended with. */
    sealed interface Outcome<T> permits Done, Retry {
    }

    /** The call is finished with this value. */
    record Done<T>(T value) implements Outcome<T> {
    }

    /**
     * A retriable error; {@code leaderEndpoint} ({@code host:port}, or empty) is where the
     * controller said to go instead.
     */
    record Retry<T>(ErrorCode code, String message, String leaderEndpoint) implements Outcome<T> {
    }
}
