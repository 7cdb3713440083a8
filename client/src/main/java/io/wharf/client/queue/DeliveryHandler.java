package io.wharf.client.queue;

/**
 * Receives a subscription's deliveries, one at a time and in the order the broker pushed them, on
 * the {@link QueueConsumer}'s handler thread. It settles each with {@link QueueDelivery#ack()},
 * {@link QueueDelivery#nack(boolean)} or {@link QueueDelivery#reject(boolean)}, now or later from
 * any thread. An exception it throws is logged and leaves the delivery unsettled.
 */
@FunctionalInterface
public interface DeliveryHandler {

    void handle(QueueDelivery delivery);
}
