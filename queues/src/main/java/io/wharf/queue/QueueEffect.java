package io.wharf.queue;

import io.wharf.proto.queue.Settle;
import java.util.List;

/**
 * What applying one entry asks the world to do. Every replica computes the same effects; only the
 * leader acts on them, followers drop them.
 */
public sealed interface QueueEffect {

    /**
     * Send message {@code id}, whose body is the entry at {@code location}, to a consumer.
     *
     * @param redelivered   whether it was delivered before (to anyone)
     * @param deliveryCount failed deliveries before this one (x-delivery-count)
     */
    record Deliver(String consumerId, long id, long location, boolean redelivered, int deliveryCount)
            implements QueueEffect {
    }

    /** With single active consumer: this consumer now receives the deliveries. */
    record ConsumerActivated(String consumerId) implements QueueEffect {
    }

    /** A Subscribe that conflicted when applied; the consumer was not registered. */
    record SubscribeRefused(String consumerId, SubscribeRefusal refusal) implements QueueEffect {
    }

    /** The ids of a Settle that the consumer did hold, in the Settle's order; the others were ignored. */
    record Settled(String consumerId, List<Long> ids, Settle.Outcome outcome) implements QueueEffect {
        public Settled {
            ids = List.copyOf(ids);
        }
    }

    /**
     * Messages that died (rejected, expired, over a length or delivery limit) in a queue without a
     * dead-letter exchange: they are gone. With one, dying messages come as {@link DeadLetter}s instead.
     */
    record Discarded(List<DiscardedMessage> messages) implements QueueEffect {
        public Discarded {
            messages = List.copyOf(messages);
        }
    }

    /** A Purge dropped {@code count} ready messages. */
    record Purged(int count) implements QueueEffect {
    }

    /** An Enqueue whose publisher had already published {@code sequence}: nothing was stored. */
    record DuplicatePublish(String publisherId, long sequence) implements QueueEffect {
    }

    /**
     * An Enqueue refused by x-overflow=reject-publish (the queue was at x-max-length or
     * x-max-length-bytes): nothing was stored and the sequence was not recorded, so a retry of the same
     * publish is judged again like a new one. The leader nacks the publish.
     */
    record PublishRejected(String publisherId, long sequence) implements QueueEffect {
    }

    /**
     * Message {@code id} died and waits, neither ready nor held, to be dead-lettered (at least once):
     * the leader reads its body at {@code location}, makes the dead letter with
     * {@link DeadLetteredMessage#of} (queue name, {@code reason}, {@code diedAtMs}, {@code target}),
     * publishes it to {@code target}'s exchange with {@link DeadLetterTarget#routingKeys}, skipping the
     * target queues {@link DeathCycle#isCycle} names, and once every target queue has committed it (or
     * it was dropped: no such exchange, no route) appends a DeadLettered entry with the id. Until then
     * it stays live (and in {@link QueueMachine#pendingDeadLetters()}, for a new leader).
     *
     * @param id        the message id (the offset of its Enqueue)
     * @param location  the offset of the entry holding its body
     * @param reason    why it died
     * @param diedAtMs  the timestamp of the entry it died at (x-death's time, in seconds, comes from it)
     * @param target    the queue's dead-letter exchange and routing key
     */
    record DeadLetter(long id, long location, DeathReason reason, long diedAtMs, DeadLetterTarget target)
            implements QueueEffect {
    }
}
