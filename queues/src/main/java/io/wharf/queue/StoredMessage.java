package io.wharf.queue;

import io.wharf.proto.queue.MessageState;

/**
 * What the state machine knows of one live message; the body stays in the log at {@link #location}.
 * A live message is ready, held by a consumer, or dying (waiting to be dead-lettered). Immutable:
 * every change makes a new value.
 *
 * @param id             the offset of the Enqueue that stored it; the delivery tag
 * @param location       the offset of the entry holding its body (the Enqueue, or the last Move)
 * @param size           body bytes
 * @param deliveryCount  failed deliveries so far
 * @param acquiredCount  deliveries so far, failed or not
 * @param holder         the consumer holding it, "" when ready or dying
 * @param heldSinceMs    when the holder got it (the delivering entry's timestamp), 0 when not held
 * @param expiresAtMs    when it expires if ready, 0: never
 * @param deathReason    why it died, while it waits to be dead-lettered; null while it lives
 * @param diedAtMs       the timestamp of the entry it died at, 0 while it lives
 * @param enqueuedAtMs   the Enqueue's timestamp (when it was stored here); 0 when unknown (restored
 *                       from a checkpoint written before it was kept)
 * @param arrivalReason  when it came as a dead letter, why it died last (see
 *                       {@link QueueMachine#deadLettersByReason()}); "" for a message that is no dead letter
 */
record StoredMessage(long id, long location, int size, int deliveryCount, int acquiredCount, String holder,
                     long heldSinceMs, long expiresAtMs, DeathReason deathReason, long diedAtMs,
                     long enqueuedAtMs, String arrivalReason) {

    static StoredMessage enqueued(long id, int size, long expiresAtMs, long enqueuedAtMs, String arrivalReason) {
        return new StoredMessage(id, id, size, 0, 0, "", 0, expiresAtMs, null, 0, enqueuedAtMs, arrivalReason);
    }

    static StoredMessage of(MessageState state) {
        DeathReason reason = DeathReason.fromProto(state.getDeadLetterReason());
        return new StoredMessage(state.getId(), state.getLocation(), state.getSize(), state.getDeliveryCount(),
                state.getAcquiredCount(), reason == null ? state.getHolder() : "",
                reason == null ? state.getHeldSinceMs() : 0, state.getExpiresAtMs(), reason,
                reason == null ? 0 : state.getDiedAtMs(), state.getEnqueuedAtMs(),
                state.getArrivalReason());
    }

    boolean isReady() {
        return holder.isEmpty() && deathReason == null;
    }

    boolean isHeld() {
        return !holder.isEmpty();
    }

    boolean isDying() {
        return deathReason != null;
    }

    /** Whether it is expired at {@code nowMs}. */
    boolean expiredAt(long nowMs) {
        return expiresAtMs != 0 && expiresAtMs <= nowMs;
    }

    /**
     * Ready, never delivered, never moved, not a dead letter: a checkpoint writes it as part of an
     * id range.
     */
    boolean isPlain() {
        return isReady() && deliveryCount == 0 && acquiredCount == 0 && location == id && arrivalReason.isEmpty();
    }

    StoredMessage deliveredTo(String consumerId, long nowMs) {
        return new StoredMessage(id, location, size, deliveryCount, acquiredCount + 1, consumerId, nowMs,
                expiresAtMs, null, 0, enqueuedAtMs, arrivalReason);
    }

    /** Back to ready; {@code failed} counts the delivery that ended as a failed one. */
    StoredMessage released(boolean failed) {
        return new StoredMessage(id, location, size, deliveryCount + (failed ? 1 : 0), acquiredCount, "", 0,
                expiresAtMs, null, 0, enqueuedAtMs, arrivalReason);
    }

    /** Dying: waiting to be dead-lettered, for {@code reason}, since {@code nowMs}. */
    StoredMessage dying(DeathReason reason, long nowMs) {
        return new StoredMessage(id, location, size, deliveryCount, acquiredCount, "", 0, expiresAtMs, reason, nowMs,
                enqueuedAtMs, arrivalReason);
    }

    StoredMessage movedTo(long newLocation) {
        return new StoredMessage(id, newLocation, size, deliveryCount, acquiredCount, holder, heldSinceMs,
                expiresAtMs, deathReason, diedAtMs, enqueuedAtMs, arrivalReason);
    }

    MessageState toState() {
        MessageState.Builder state = MessageState.newBuilder().setId(id).setLocation(location).setSize(size)
                .setDeliveryCount(deliveryCount).setAcquiredCount(acquiredCount).setHolder(holder)
                .setHeldSinceMs(heldSinceMs).setExpiresAtMs(expiresAtMs).setEnqueuedAtMs(enqueuedAtMs)
                .setArrivalReason(arrivalReason);
        if (deathReason != null) {
            state.setDeadLetterReason(deathReason.toProto()).setDiedAtMs(diedAtMs);
        }
        return state.build();
    }
}
