package io.wharf.client.dlq;

import io.wharf.client.queue.QueueDelivery;
import io.wharf.proto.queue.Message;

/**
 * A queue message's dead letter as {@link QueueDeadLetterLoop} publishes it: to the queue's
 * dead-letter exchange, with the original headers, properties and body plus {@code error.*}
 * headers. Immutable.
 *
 * @param exchange the exchange it is published to
 * @param routingKey its routing key
 * @param message the dead letter
 */
public record QueueDeadLetter(String exchange, String routingKey, Message message) {

    /** The queue the message was consumed from. */
    public static final String ORIGIN_QUEUE = "error.origin.queue";
    /** The exchange it had been published to. */
    public static final String ORIGIN_EXCHANGE = "error.origin.exchange";
    /** The routing key it had been published with. */
    public static final String ORIGIN_ROUTING_KEY = "error.origin.routing-key";
    /** Its delivery tag, its id in the queue, in decimal. */
    public static final String ORIGIN_DELIVERY_TAG = "error.origin.delivery-tag";

    /**
     * The dead letter of {@code delivery}: its message with {@code error.cause},
     * {@code error.message}, {@code error.timestamp} (as a topic's dead letters,
     * {@link DeadLetterRecord}) and the {@code error.origin.*} headers above, as UTF-8 strings. The
     * {@code expiration} property is dropped, as the broker drops it when it dead-letters, so that
     * the dead letter does not expire in the dead-letter queue.
     *
     * @param nowMs the time of dead-lettering, ms since the epoch
     */
    public static QueueDeadLetter of(QueueDelivery delivery, DeadLetterExchange target, String cause, String message,
                                     long nowMs) {
        Message original = delivery.message();
        Message.Builder deadLetter = original.toBuilder()
                .putHeaders(DeadLetterRecord.CAUSE, cause)
                .putHeaders(DeadLetterRecord.MESSAGE, message)
                .putHeaders(ORIGIN_QUEUE, delivery.queue())
                .putHeaders(ORIGIN_EXCHANGE, original.getExchange())
                .putHeaders(ORIGIN_ROUTING_KEY, original.getRoutingKey())
                .putHeaders(ORIGIN_DELIVERY_TAG, Long.toString(delivery.deliveryTag()))
                .putHeaders(DeadLetterRecord.TIMESTAMP, Long.toString(nowMs));
        deadLetter.getPropertiesBuilder().clearExpiration();
        return new QueueDeadLetter(target.exchange(), target.routingKeyFor(original.getRoutingKey()), deadLetter.build());
    }
}
