package io.wharf.client.dlq;

import io.wharf.client.consumer.ConsumerRecord;

/** Which (topic, key) pairs are blocked in ordered mode; {@link BlockedKeys} keeps them on a topic. */
public interface KeyBlockStore {

    /** Whether {@code key} of {@code topic} is blocked, as far as this store has read. */
    boolean isBlocked(String topic, byte[] key);

    /**
     * Blocks the key of {@code origin} (a record about to be dead-lettered) and returns once that
     * is durable.
     *
     * @param cause the {@code error.cause} of the dead letter
     * @throws Exception when it is not known to be durable (the caller retries it)
     */
    void block(ConsumerRecord origin, String cause) throws Exception;
}
