package io.wharf.client.admin;

import io.grpc.Status;
import io.wharf.proto.common.ErrorCode;

/**
 * Which failures of a controller call may succeed when the same request is sent again, possibly
 * to another controller (see docs/errors.md). Stateless.
 */
final class RetriableErrors {

    private RetriableErrors() {
    }

    static boolean isRetriable(ErrorCode code) {
        return code == ErrorCode.NOT_CONTROLLER
                || code == ErrorCode.CONTROLLER_UNAVAILABLE
                || code == ErrorCode.REQUEST_TIMED_OUT;
    }

    /** Transport failures: the controller is down, not yet listening, or did not answer in time. */
    static boolean isRetriable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED;
    }
}
