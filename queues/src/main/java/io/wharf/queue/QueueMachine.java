package io.wharf.queue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.DeadLettered;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Move;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
 * <p>Messages die as in RabbitMQ's quorum queues: rejected without requeue, expired (x-message-ttl or
 * the per-message expiration, the lower one; only ready messages at the head of the queue expire, so
 * one behind a message with a longer TTL waits until it reaches the head, and a held message does
 * not expire until it is ready again), dropped from the head by a length limit (overflow drop-head),
 * or past the delivery limit. A dying message is dropped ({@link QueueEffect.Discarded}) when the
 * queue has no dead-letter exchange; with one it waits, neither ready nor held, until a DeadLettered
 * entry says the leader published it there ({@link QueueEffect.DeadLetter}, at least once).
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
     *         with the expiries met while delivering
     * @throws IllegalArgumentException when {@code offset} is not after the last applied entry's
     */
    public List<QueueEffect> apply(long offset, long timestampMs, QueueEntry entry) {
        if (offset < nextOffset) {
            throw new IllegalArgumentException("entry at offset " + offset + " applied after offset " + (nextOffset - 1));
        }
        List<QueueEffect> effects = new ArrayList<>();
        switch (entry.getEntryCase()) {
            case ENQUEUE -> enqueue(offset, timestampMs, entry.getEnqueue(), effects);
            case SUBSCRIBE -> subscribe(entry.getSubscribe(), effects);
            case CONSUMER_GONE -> consumerGone(timestampMs, entry.getConsumerGone(), effects);
            case SETTLE -> settle(timestampMs, entry.getSettle(), effects);
            case PURGE -> effects.add(new QueueEffect.Purged(messages.removeReady()));
            case CHECKPOINT -> restore(offset, entry.getCheckpoint());
            case MOVE -> move(offset, entry.getMove());
            case QOS -> {
                Consumer consumer = consumers.get(entry.getQos().getConsumerId());
                if (consumer != null) {
                    consumer.setPrefetch(Math.max(0, entry.getQos().getPrefetch()));
                }
            }
            case EXPIRE -> {
                // Nothing of its own: like every entry, it expires the ready head when delivering below.
            }
            case DEAD_LETTERED -> deadLettered(entry.getDeadLettered());
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
        return messages.liveCount() - messages.readyCount() - messages.dyingCount();
    }

    /** Messages that died and wait to be dead-lettered. */
    public int deadLetteringCount() {
        return messages.dyingCount();
    }

    /**
     * Live messages (ready, held, dead-lettering) that came as dead letters, by why they died
     * last: what a dead-letter queue holds, by reason, as {@code wharf dlq list} counts them — the
     * {@code x-last-death-reason} header, else the reason of the first {@code x-death} entry (the
     * latest death), else the {@code error.cause} header the SDK's ordered mode writes. Reasons
     * with none are absent.
     */
    public Map<String, Integer> deadLettersByReason() {
        return messages.deadLettersByReason();
    }

    /**
     * When the oldest live message was stored (its Enqueue's timestamp), 0 when the queue holds
     * none (or the oldest came from a checkpoint that did not record it).
     */
    public long oldestEnqueuedAtMs() {
        return messages.firstEnqueuedAtMs();
    }

    /** Ready, held and dead-lettering messages. */
    public int liveCount() {
        return messages.liveCount();
    }

    /**
     * The messages waiting to be dead-lettered, by id: what a new leader publishes to the dead-letter
     * exchange again (the old one may have published some; dead letters are at least once).
     */
    public List<QueueEffect.DeadLetter> pendingDeadLetters() {
        List<QueueEffect.DeadLetter> pending = new ArrayList<>();
        // Settings are fixed per queue, so no message can be dying in a queue without a target.
        settings.deadLetterTarget().ifPresent(target -> messages.dying()
                .forEach(message -> pending.add(deadLetter(message, target))));
        return pending;
    }

    /**
     * When the ready message at the head expires, if it has a TTL: the leader appends an Expire entry
     * once its clock passes it, so that an idle queue still expires its messages. Messages behind the
     * head only expire once they reach it (RabbitMQ's quorum queues do the same).
     */
    public OptionalLong nextExpiryMs() {
        StoredMessage head = messages.firstReady();
        return head == null || head.expiresAtMs() == 0 ? OptionalLong.empty() : OptionalLong.of(head.expiresAtMs());
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

    /** The consumer holding message {@code id}; empty when it is ready, dead-lettering or not live. */
    public Optional<String> holder(long id) {
        StoredMessage message = messages.get(id);
        return message == null || !message.isHeld() ? Optional.empty() : Optional.of(message.holder());
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

    private void enqueue(long offset, long timestampMs, Enqueue enqueue, List<QueueEffect> effects) {
        String publisherId = enqueue.getPublisherId();
        long sequence = enqueue.getSequence();
        if (!publisherId.isEmpty() && publishers.seen(publisherId, sequence)) {
            effects.add(new QueueEffect.DuplicatePublish(publisherId, sequence));
            return;
        }
        QueueLimits limits = settings.limits();
        int size = enqueue.getMessage().getBody().size();
        // RabbitMQ's at-least-once dead-lettering counts the dead letters still waiting against the
        // limits, so that a stuck dead-letter exchange pushes back on publishers.
        if (limits.overflow() == Overflow.REJECT_PUBLISH
                && limits.exceeded(messages.readyCount() + messages.dyingCount() + 1L,
                        messages.readyBytes() + messages.dyingBytes() + size)) {
            // The sequence is not recorded: nothing was stored, so a retry must be judged again.
            effects.add(new QueueEffect.PublishRejected(publisherId, sequence));
            return;
        }
        if (!publisherId.isEmpty()) {
            publishers.record(publisherId, sequence);
        }
        String expiration = enqueue.getMessage().getProperties().getExpiration();
        messages.put(StoredMessage.enqueued(offset, size, limits.expiresAtMs(timestampMs, expiration), timestampMs,
                DeadLetteredMessage.lastReason(enqueue.getMessage())));
        if (limits.overflow() == Overflow.DROP_HEAD) {
            while (limits.exceeded(messages.readyCount(), messages.readyBytes())) {
                die(messages.firstReady(), DeathReason.MAXLEN, timestampMs, effects);
            }
        }
    }

    private void subscribe(Subscribe subscribe, List<QueueEffect> effects) {
        Optional<SubscribeRefusal> refusal = consumers.check(subscribe);
        if (refusal.isPresent()) {
            effects.add(new QueueEffect.SubscribeRefused(subscribe.getConsumerId(), refusal.get()));
        } else {
            consumers.add(subscribe);
        }
    }

    private void consumerGone(long timestampMs, ConsumerGone gone, List<QueueEffect> effects) {
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
            StoredMessage back = messages.get(id).released(failed);
            if (failed && settings.limits().pastDeliveryLimit(back.deliveryCount())) {
                die(back, DeathReason.DELIVERY_LIMIT, timestampMs, effects);
            } else {
                messages.put(back);
            }
        }
    }

    private void settle(long timestampMs, Settle settle, List<QueueEffect> effects) {
        Consumer consumer = consumers.get(settle.getConsumerId());
        Settle.Outcome outcome = settle.getOutcome();
        boolean known = outcome == Settle.Outcome.ACK || outcome == Settle.Outcome.REQUEUE
                || outcome == Settle.Outcome.REJECT;
        List<Long> settled = new ArrayList<>();
        List<StoredMessage> rejected = new ArrayList<>();
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
                // A reject is a failed delivery whatever the delivery limit: the message dies as rejected.
                default -> rejected.add(message.released(true));
            }
        }
        effects.add(new QueueEffect.Settled(settle.getConsumerId(), settled, outcome));
        rejected.forEach(message -> die(message, DeathReason.REJECTED, timestampMs, effects));
    }

    private void deadLettered(DeadLettered done) {
        for (long id : done.getMessageIdsList()) {
            StoredMessage message = messages.get(id);
            if (message != null && message.isDying()) {
                messages.remove(id);
            }
        }
    }

    /**
     * The message dies at {@code nowMs}: it waits to be dead-lettered when the queue has a dead-letter
     * exchange, else it is gone. The caller took it from its consumer, if one held it.
     */
    private void die(StoredMessage message, DeathReason reason, long nowMs, List<QueueEffect> effects) {
        Optional<DeadLetterTarget> target = settings.deadLetterTarget();
        if (target.isPresent()) {
            StoredMessage dying = message.dying(reason, nowMs);
            messages.put(dying);
            effects.add(deadLetter(dying, target.get()));
        } else {
            messages.remove(message.id());
            effects.add(new QueueEffect.Discarded(List.of(new DiscardedMessage(message.id(), message.location(),
                    message.deliveryCount(), reason))));
        }
    }

    private static QueueEffect.DeadLetter deadLetter(StoredMessage dying, DeadLetterTarget target) {
        return new QueueEffect.DeadLetter(dying.id(), dying.location(), dying.deathReason(), dying.diedAtMs(), target);
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
            if (!message.isHeld()) {
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

    /**
     * Hands ready messages, lowest id first, round-robin to the consumers that may take them; a message
     * that expired by {@code timestampMs} dies when it reaches the head instead, so none is delivered
     * expired. Runs after every entry, with or without consumers.
     */
    private void deliver(long timestampMs, List<QueueEffect> effects) {
        for (StoredMessage message = messages.firstReady(); message != null; message = messages.firstReady()) {
            if (message.expiredAt(timestampMs)) {
                die(message, DeathReason.EXPIRED, timestampMs, effects);
                continue;
            }
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
