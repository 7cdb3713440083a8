package io.wharf.client.dlq;

/** Where a {@link QueueDeadLetterLoop}'s dead letters go; a {@link io.wharf.client.queue.QueuePublisher} with confirms. */
@FunctionalInterface
public interface QueueDeadLetterSink {

    /**
     * Publishes {@code deadLetter} and returns once it is confirmed stored.
     *
     * @throws Exception when it is not known to be stored (the caller retries it)
     */
    void publish(QueueDeadLetter deadLetter) throws Exception;
}
