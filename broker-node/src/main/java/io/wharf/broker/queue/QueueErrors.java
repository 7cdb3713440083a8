package io.wharf.broker.queue;

import io.wharf.proto.common.Error;

/** The wire errors queue requests are answered with, and how their failures map to one. Stateless. */
final class QueueErrors {

    private QueueErrors() {
    }

    /** {@code error} (about the queue's log, named by its topic) with the queue's name in front. */
    static Error withQueueName(String queue, Error error) {
        return error.toBuilder().setMessage("queue '" + queue + "': " + error.getMessage()).build();
    }
}
