package io.wharf.broker.queue;

import io.wharf.proto.common.Error;

/** A queue request refused or failed with a wire error, carried through futures to the caller. */
final class QueueRequestException extends RuntimeException {

    private final transient Error error;

    QueueRequestException(Error error) {
        super(error.getCode() + ": " + error.getMessage());
        this.error = error;
    }

    Error error() {
        return error;
    }
}
