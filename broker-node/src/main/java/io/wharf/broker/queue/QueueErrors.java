package io.wharf.broker.queue;

import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.concurrent.CompletionException;

/** The wire errors queue requests are answered with, and how their failures map to one. Stateless. */
final class QueueErrors {

    private QueueErrors() {
    }

    /** No queue of that name in this broker's metadata image. */
    static Error notFound(String queue) {
        return PartitionLookup.error(ErrorCode.NOT_FOUND, "no queue '" + queue + "'; declare it first "
                + "(wharf queues declare)");
    }

    /** {@code error} (about the queue's log, named by its topic) with the queue's name in front. */
    static Error withQueueName(String queue, Error error) {
        return error.toBuilder().setMessage("queue '" + queue + "': " + error.getMessage()).build();
    }

    /** A store that failed with no wire error of its own. */
    static Error storingFailed(Throwable failure) {
        return PartitionLookup.error(ErrorCode.UNKNOWN_SERVER_ERROR, "storing failed: " + failure);
    }

    /** The error a request's future failed with: a {@link QueueRequestException}'s own, else UNKNOWN_SERVER_ERROR. */
    static Error of(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof QueueRequestException q ? q.error() : storingFailed(cause);
    }
}
