package io.wharf.queue;

/**
 * A message that died in a queue without a dead-letter exchange, and so left it for good. Immutable.
 *
 * @param id             its id (the offset of its Enqueue)
 * @param location       the offset of the entry that held its body
 * @param deliveryCount  failed deliveries (for {@link DeathReason#REJECTED}, the rejected one included)
 * @param reason         why it died
 */
public record DiscardedMessage(long id, long location, int deliveryCount, DeathReason reason) {
}
