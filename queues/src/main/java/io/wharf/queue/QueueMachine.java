package io.wharf.queue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Move;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The state of one replicated queue, folded from its log: which messages are live, which are
 * ready, who holds what, how often each was delivered, which consumers are subscribed and which
 * publishes were already seen. Like RabbitMQ's rabbit_fifo, deliveries are decided on apply: after
 * every entry, ready messages go round-robin to the consumers with credit, and the assignments come
 * back as {@link QueueEffect.Deliver} effects. Every replica applies the committed entries in offset
 * order and so reaches the same state and effects; only the leader acts on the effects.
 *
 * <p>Pure: no I/O, no clock (time is the entry's timestamp or a parameter). {@link #apply} is total
 * over entries: an entry that no longer makes sense when applied (a settle of a message not held, a
 * subscribe that conflicts) changes nothing rather than failing. Mutable and single-threaded; the
 * owner serializes calls.
 */
public final class QueueMachine {
    private final QueueSettings settings;
    private Messages messages = new Messages();
    private Consumers consumers;
    private PublisherWindows publishers;
    /** The offset after the last applied entry. */
    private long nextOffset;
    private long lastCheckpointOffset = -1;

    public QueueMachine(QueueSettings settings) {
        this.settings = settings;
        this.consumers = new Consumers(settings.singleActiveConsumer());
        this.publishers = new PublisherWindows(settings.publisherWindow(), settings.maxPublishers());
    }

    /**
     * Applies the entry at {@code offset}, written at {@code timestampMs}.
     *
     * @return what the leader must do: entry-specific effects first, then an activation, then the deliveries
     * @throws IllegalArgumentException when {@code offset} is not after the last applied entry's
     */
    public List<QueueEffect> apply(long offset, long timestampMs, QueueEntry entry) {
        if (offset < nextOffset) {
            throw new IllegalArgumentException("entry at offset " + offset + " applied after offset " + (nextOffset - 1));
        }
        List<QueueEffect> effects = new ArrayList<>();
        switch (entry.getEntryCase()) {
            case ENQUEUE -> enqueue(offset, entry.getEnqueue(), effects);
            case SUBSCRIBE -> subscribe(entry.getSubscribe(), effects);
            case CONSUMER_GONE -> consumerGone(entry.getConsumerGone());
            case SETTLE -> settle(entry.getSettle(), effects);
            case PURGE -> effects.add(new QueueEffect.Purged(messages.removeReady()));
            case CHECKPOINT -> restore(offset, entry.getCheckpoint());
            case MOVE -> move(offset, entry.getMove());
            case QOS -> {
                Consumer consumer = consumers.get(entry.getQos().getConsumerId());
                if (consumer != null) {
                    consumer.setPrefetch(Math.max(0, entry.getQos().getPrefetch()));
                }
            }
            case ENTRY_NOT_SET -> {
                // nothing to change; the codec refuses such records, so only a caller's empty entry gets here
            }
        }
        nextOffset = offset + 1;
        consumers.activate().ifPresent(id -> effects.add(new QueueEffect.ConsumerActivated(id)));
        deliver(timestampMs, effects);
        return List.copyOf(effects);
    }

    /**
     * The complete state as a checkpoint entry: appended at the log end, it makes every earlier entry
     * other than the bodies of live messages unnecessary. Build it only when every appended entry is
     * applied (applying a checkpoint replaces the state, so entries between the state it was built
     * from and its own offset would be forgotten).
     */
    public Checkpoint checkpoint() {
        Checkpoint.Builder checkpoint = Checkpoint.newBuilder();
        messages.writeTo(checkpoint);
        consumers.writeTo(checkpoint);
        publishers.writeTo(checkpoint);
        return checkpoint.build();
    }

    /** Why the leader must refuse {@code subscribe} instead of appending it, if it must. */
    public Optional<SubscribeRefusal> canSubscribe(Subscribe subscribe) {
        return consumers.check(subscribe);
    }

    /** Messages ready for delivery. */
    public int readyCount() {
        return messages.readyCount();
    }

    /** Body bytes of the ready messages. */
    public long readyBytes() {
        return messages.readyBytes();
    }

    /** Messages delivered and not settled yet. */
    public int unackedCount() {
        return messages.liveCount() - messages.readyCount();
    }

    /** Ready and held messages. */
    public int liveCount() {
        return messages.liveCount();
    }

    /** The subscribed consumers in subscription order. */
    public List<ConsumerInfo> consumers() {
        List<ConsumerInfo> infos = new ArrayList<>();
        for (Consumer consumer : consumers.all()) {
            Subscribe s = consumer.subscription();
            infos.add(new ConsumerInfo(s.getConsumerId(), s.getConsumerTag(), s.getPrefetch(), s.getNoAck(),
                    s.getExclusive(), s.getPriority(), consumer.held().size(), consumers.isActive(consumer)));
        }
        return infos;
    }

    /** With single active consumer, the consumer receiving deliveries. */
    public Optional<String> activeConsumer() {
        return consumers.active();
    }

    /** The consumer holding message {@code id}; empty when it is ready or not live. */
    public Optional<String> holder(long id) {
        StoredMessage message = messages.get(id);
        return message == null || message.isReady() ? Optional.empty() : Optional.of(message.holder());
    }

    /** The offset of the entry holding the body of message {@code id}; empty when it is not live. */
    public OptionalLong location(long id) {
        StoredMessage message = messages.get(id);
        return message == null ? OptionalLong.empty() : OptionalLong.of(message.location());
    }

    /** The ids the consumer holds, ascending; empty for an unknown consumer. */
    public List<Long> heldBy(String consumerId) {
        Consumer consumer = consumers.get(consumerId);
        return consumer == null ? List.of() : List.copyOf(consumer.held());
    }

    /** Whether the consumer holds message {@code id}: what the leader checks before appending a Settle. */
    public boolean isHeldBy(String consumerId, long id) {
        Consumer consumer = consumers.get(consumerId);
        return consumer != null && consumer.held().contains(id);
    }

    /** The smallest location of a live message, or {@link #nextOffset()} when none is live. */
    public long oldestLocation() {
        return messages.oldestLocation(nextOffset);
    }

    /** The offset after the last applied entry (0 before any). */
    public long nextOffset() {
        return nextOffset;
    }

    /** The offset of the last applied checkpoint; empty when none was applied. */
    public OptionalLong lastCheckpointOffset() {
        return lastCheckpointOffset < 0 ? OptionalLong.empty() : OptionalLong.of(lastCheckpointOffset);
    }

    /**
     * How far the leader may advance the log start: no live message's body below it, and a replay from
     * it meets a checkpoint first (so 0 until a checkpoint was applied).
     */
    public long lowestNeededOffset() {
        return Math.min(oldestLocation(), Math.max(lastCheckpointOffset, 0));
    }

    /** Consumers holding a message delivered before {@code nowMs - timeoutMs}, in subscription order. */
    public List<String> overdue(long nowMs, long timeoutMs) {
        long deadline = nowMs - timeoutMs;
        List<String> overdue = new ArrayList<>();
        for (Consumer consumer : consumers.all()) {
            for (long id : consumer.held()) {
                if (messages.get(id).heldSinceMs() < deadline) {
                    overdue.add(consumer.id());
                    break;
                }
            }
        }
        return overdue;
    }

    /** Up to {@code maxCount} live message ids located below {@code belowOffset}, oldest location first: what to Move. */
    public List<Long> moveCandidates(int maxCount, long belowOffset) {
        return messages.locatedBelow(belowOffset, maxCount);
    }

    private void enqueue(long offset, Enqueue enqueue, List<QueueEffect> effects) {
        String publisherId = enqueue.getPublisherId();
        if (!publisherId.isEmpty() && !publishers.record(publisherId, enqueue.getSequence())) {
            effects.add(new QueueEffect.DuplicatePublish(publisherId, enqueue.getSequence()));
            return;
        }
        messages.put(StoredMessage.enqueued(offset, enqueue.getMessage().getBody().size()));
    }

    private void subscribe(Subscribe subscribe, List<QueueEffect> effects) {
        Optional<SubscribeRefusal> refusal = consumers.check(subscribe);
        if (refusal.isPresent()) {
            effects.add(new QueueEffect.SubscribeRefused(subscribe.getConsumerId(), refusal.get()));
        } else {
            consumers.add(subscribe);
        }
    }

    private void consumerGone(ConsumerGone gone) {
        Consumer consumer = consumers.remove(gone.getConsumerId());
        if (consumer == null) {
            return;
        }
        // RabbitMQ 4.3: a client that crashed or timed out counts as a failed delivery; a cancel does not.
        boolean failed = switch (gone.getReason()) {
            case DISCONNECTED, TIMEOUT, CHANNEL_ERROR -> true;
            default -> false;
        };
        for (long id : consumer.held()) {
            messages.put(messages.get(id).released(failed));
        }
    }

    private void settle(Settle settle, List<QueueEffect> effects) {
        Consumer consumer = consumers.get(settle.getConsumerId());
        Settle.Outcome outcome = settle.getOutcome();
        boolean known = outcome == Settle.Outcome.ACK || outcome == Settle.Outcome.REQUEUE
                || outcome == Settle.Outcome.REJECT;
        List<Long> settled = new ArrayList<>();
        List<DiscardedMessage> discarded = new ArrayList<>();
        for (long id : settle.getMessageIdsList()) {
            if (!known || consumer == null || !consumer.release(id)) {
                continue;
            }
            settled.add(id);
            StoredMessage message = messages.get(id);
            switch (outcome) {
                case ACK -> messages.remove(id);
                // RabbitMQ 4.3: a requeue is not a failed delivery.
                case REQUEUE -> messages.put(message.released(false));
                default -> {
                    messages.remove(id);
                    discarded.add(new DiscardedMessage(id, message.location(), message.deliveryCount() + 1));
                }
            }
        }
        effects.add(new QueueEffect.Settled(settle.getConsumerId(), settled, outcome));
        if (!discarded.isEmpty()) {
            effects.add(new QueueEffect.Discarded(discarded));
        }
    }

    private void move(long offset, Move move) {
        StoredMessage message = messages.get(move.getId());
        if (message != null) {
            messages.put(message.movedTo(offset));
        }
    }

    /** Replaces the whole state by the checkpoint's. */
    private void restore(long offset, Checkpoint checkpoint) {
        messages = Messages.restore(checkpoint);
        consumers = Consumers.restore(checkpoint, settings.singleActiveConsumer());
        publishers = PublisherWindows.restore(checkpoint, settings);
        for (StoredMessage message : messages.all()) {
            if (message.isReady()) {
                continue;
            }
            Consumer holder = consumers.get(message.holder());
            if (holder == null) {
                // A checkpoint never names a holder that is not subscribed; stay total if one does.
                messages.put(message.released(false));
            } else {
                holder.hold(message.id());
            }
        }
        lastCheckpointOffset = offset;
    }

    /** Hands ready messages, lowest id first, round-robin to the consumers that may take them. */
    private void deliver(long timestampMs, List<QueueEffect> effects) {
        for (StoredMessage message = messages.firstReady(); message != null; message = messages.firstReady()) {
            Consumer consumer = consumers.next();
            if (consumer == null) {
                return;
            }
            messages.put(message.deliveredTo(consumer.id(), timestampMs));
            consumers.hold(consumer, message.id());
            effects.add(new QueueEffect.Deliver(consumer.id(), message.id(), message.location(),
                    message.acquiredCount() > 0, message.deliveryCount()));
        }
    }
}
