package io.wharf.queue;

/**
 * A message that left the queue without being acknowledged (rejected without requeue), so that it
 * can be dead-lettered from its body in the log. Immutable.
 *
 * @param id             its id (the offset of its Enqueue)
 * @param location       the offset of the entry holding its body
 * @param deliveryCount  failed deliveries, this one included
 */
public record DiscardedMessage(long id, long location, int deliveryCount) {
}
