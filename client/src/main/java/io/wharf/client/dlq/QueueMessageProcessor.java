package io.wharf.client.dlq;

import io.wharf.client.queue.QueueDelivery;

/** The application's work on one queue message; throwing means the attempt failed. */
@FunctionalInterface
public interface QueueMessageProcessor {

    /**
     * Processes {@code delivery}; may be called again for the same message after a failure. It
     * must not settle the delivery: the loop acks it once it is processed or dead-lettered.
     *
     * @throws Exception when this attempt failed
     */
    void process(QueueDelivery delivery) throws Exception;
}
