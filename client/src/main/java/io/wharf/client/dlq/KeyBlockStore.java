package io.wharf.client.dlq;

/**
 * Which (source, key) pairs are blocked in ordered mode — the source is a topic, or a queue for
 * {@link QueueDeadLetterLoop}; {@link BlockedKeys} keeps them on a topic.
 */
public interface KeyBlockStore {

    /** Whether {@code key} of {@code source} is blocked, as far as this store has read. */
    boolean isBlocked(String source, byte[] key);

    /**
     * Blocks {@code key} of {@code source} because the message at {@code partition}/{@code offset}
     * is about to be dead-lettered, and returns once that is durable. A queue has one partition,
     * 0, and its messages' offsets are their delivery tags (their ids in the queue).
     *
     * @param cause the {@code error.cause} of the dead letter
     * @throws Exception when it is not known to be durable (the caller retries it)
     */
    void block(String source, byte[] key, int partition, long offset, String cause) throws Exception;
}
