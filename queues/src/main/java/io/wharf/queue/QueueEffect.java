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

    /** Messages that left without an ack (rejected), to dead-letter. */
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
}
