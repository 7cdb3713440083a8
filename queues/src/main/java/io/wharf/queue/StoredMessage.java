package io.wharf.queue;

import io.wharf.proto.queue.MessageState;

/**
 * What the state machine knows of one live message; the body stays in the log at {@link #location}.
 * Immutable: every change makes a new value.
 *
 * @param id             the offset of the Enqueue that stored it; the delivery tag
 * @param location       the offset of the entry holding its body (the Enqueue, or the last Move)
 * @param size           body bytes
 * @param deliveryCount  failed deliveries so far
 * @param acquiredCount  deliveries so far, failed or not
 * @param holder         the consumer holding it, "" when ready
 * @param heldSinceMs    when the holder got it (the delivering entry's timestamp), 0 when ready
 */
record StoredMessage(long id, long location, int size, int deliveryCount, int acquiredCount, String holder,
                     long heldSinceMs) {

    static StoredMessage enqueued(long id, int size) {
        return new StoredMessage(id, id, size, 0, 0, "", 0);
    }

    static StoredMessage of(MessageState state) {
        return new StoredMessage(state.getId(), state.getLocation(), state.getSize(), state.getDeliveryCount(),
                state.getAcquiredCount(), state.getHolder(), state.getHeldSinceMs());
    }

    boolean isReady() {
        return holder.isEmpty();
    }

    /** Ready, never delivered, never moved: a checkpoint writes it as part of an id range. */
    boolean isPlain() {
        return isReady() && deliveryCount == 0 && acquiredCount == 0 && location == id;
    }

    StoredMessage deliveredTo(String consumerId, long nowMs) {
        return new StoredMessage(id, location, size, deliveryCount, acquiredCount + 1, consumerId, nowMs);
    }

    /** Back to ready; {@code failed} counts the delivery that ended as a failed one. */
    StoredMessage released(boolean failed) {
        return new StoredMessage(id, location, size, deliveryCount + (failed ? 1 : 0), acquiredCount, "", 0);
    }

    StoredMessage movedTo(long newLocation) {
        return new StoredMessage(id, newLocation, size, deliveryCount, acquiredCount, holder, heldSinceMs);
    }

    MessageState toState() {
        return MessageState.newBuilder().setId(id).setLocation(location).setSize(size)
                .setDeliveryCount(deliveryCount).setAcquiredCount(acquiredCount).setHolder(holder)
                .setHeldSinceMs(heldSinceMs).build();
    }
}
