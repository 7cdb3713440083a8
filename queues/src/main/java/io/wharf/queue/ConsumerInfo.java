package io.wharf.queue;

/**
 * A subscribed consumer as the state machine sees it. Immutable snapshot.
 *
 * @param consumerId  the id the leader gave its stream
 * @param consumerTag the client's tag
 * @param prefetch    most unsettled deliveries at once, 0: unlimited
 * @param noAck       whether its deliveries are settled as they are sent
 * @param exclusive   whether it is the queue's only consumer
 * @param priority    x-priority
 * @param held        how many messages it holds now
 * @param active      whether it may receive deliveries (always, unless single active consumer makes it wait)
 */
public record ConsumerInfo(String consumerId, String consumerTag, int prefetch, boolean noAck, boolean exclusive,
                           int priority, int held, boolean active) {
}
