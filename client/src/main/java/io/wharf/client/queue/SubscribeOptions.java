package io.wharf.client.queue;

/**
 * How a {@link QueueConsumer} subscribes to a queue (AMQP's basic.consume and basic.qos).
 * Immutable; start from {@link #defaults()}.
 *
 * @param prefetch most unsettled deliveries the broker pushes at once; 0 for unlimited (default
 *     {@value #DEFAULT_PREFETCH}, as many RabbitMQ clients)
 * @param noAck deliveries are settled as they are sent (at-most-once); acks are not allowed then
 * @param exclusive the only consumer of the queue while attached (others get RESOURCE_LOCKED)
 * @param priority x-priority, for single-active-consumer takeover
 * @param consumerTag the consumer's tag; "" lets the broker make one
 */
public record SubscribeOptions(int prefetch, boolean noAck, boolean exclusive, int priority, String consumerTag) {

    public static final int DEFAULT_PREFETCH = 250;

    public SubscribeOptions {
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch must not be negative, got " + prefetch);
        }
        consumerTag = consumerTag == null ? "" : consumerTag;
    }

    public static SubscribeOptions defaults() {
        return new SubscribeOptions(DEFAULT_PREFETCH, false, false, 0, "");
    }

    public SubscribeOptions withPrefetch(int value) {
        return new SubscribeOptions(value, noAck, exclusive, priority, consumerTag);
    }

    public SubscribeOptions withNoAck(boolean value) {
        return new SubscribeOptions(prefetch, value, exclusive, priority, consumerTag);
    }

    public SubscribeOptions withExclusive(boolean value) {
        return new SubscribeOptions(prefetch, noAck, value, priority, consumerTag);
    }

    public SubscribeOptions withPriority(int value) {
        return new SubscribeOptions(prefetch, noAck, exclusive, value, consumerTag);
    }

    public SubscribeOptions withConsumerTag(String value) {
        return new SubscribeOptions(prefetch, noAck, exclusive, priority, value);
    }
}
