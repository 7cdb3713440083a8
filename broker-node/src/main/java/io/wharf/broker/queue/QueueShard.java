package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.queue.ConsumerInfo;
import io.wharf.queue.DeathReason;
import io.wharf.queue.DiscardedMessage;
import io.wharf.queue.LoggedQueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueMachine;
import io.wharf.queue.QueueSettings;
import io.wharf.replication.log.Log;
import io.wharf.replication.replica.ReplicationException;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue as this broker hosts it: the {@link QueueMachine} folded from the queue's log (its
 * topic's single partition), kept in step on the leader and on every follower
 * ({@link QueueLogApplier}), and — on the leader — the consumers attached here
 * ({@link AttachedConsumers}), the publishes not committed yet ({@link PublishesInFlight}), the
 * entries waiting to be appended ({@link QueueEntryAppender}) and what the leader appends of its
 * own accord ({@link QueueUpkeep}).
 *
 * <p>Only committed entries (below the high watermark) are applied, on every replica, so the
 * state is never one a failover could take back and a new leader already holds it. The leader
 * appends what clients ask for (enqueues, subscriptions, settlements) as entries, batched per turn
 * of the queue thread, and acts once they are applied: deliveries are effects of applying, as in
 * RabbitMQ's quorum queues, so every replica agrees on who holds which message and how often each
 * was delivered. A new leader first waits until everything its predecessors appended is applied
 * (so a retried publish is recognised), then writes the previous leader's consumers off: what
 * they held is delivered again with {@code redelivered} set.
 *
 * <p>The leader also acts on what the machine decides about dying messages (issue #11): it has
 * the {@link DeadLetterPublisher} store dead letters in the dead-letter exchange's queues and
 * appends DeadLettered once they are stored, appends Expire when the head's TTL has passed, nacks
 * a publish the queue refused as full (QUEUE_FULL), and counts the messages discarded.
 *
 * <p>Confined to the queue thread ({@link QueueService}).
 */
final class QueueShard {

    private static final Logger LOG = LoggerFactory.getLogger(QueueShard.class);
    private static final int NOT_LEADING = -1;

    private final TopicPartition topicPartition;
    private final String queue;
    private final PartitionLookup lookup;
    private final MessageCache cache;
    private final QueueLogApplier applier;
    private final MessageBodies bodies;
    private int leaderEpoch = NOT_LEADING;
    /** The log end when this broker became leader: everything below must be applied before it serves. */
    private long epochStartOffset;
    private boolean prepared;

    // Leader-only state, dropped when leadership goes.
    private final QueueEntryAppender appender;
    private final AttachedConsumers consumers;
    private final PublishesInFlight publishes;
    private final QueueUpkeep upkeep;
    private final DeadLetterPublisher deadLetters;
    /** Counted while this broker led the queue, like {@link AttachedConsumers#redeliveries}: for the metrics. */
    private long published;
    private long delivered;
    private long acked;
    /** Messages that died in a queue without a dead-letter exchange while this broker led it, by reason. */
    private final Map<DeathReason, Long> discarded = new EnumMap<>(DeathReason.class);

    QueueShard(TopicPartition topicPartition, String queue, QueueBrokerSettings settings, QueueSettings machineSettings,
               DeadLetterPublisher deadLetters, MessageCache cache, Executor queueThread, PartitionLookup lookup) {
        this.cache = cache;
        this.lookup = lookup;
        this.topicPartition = topicPartition;
        this.queue = queue;
        this.deadLetters = deadLetters;
        this.appender = new QueueEntryAppender(topicPartition, queue, settings, cache, lookup, queueThread);
        this.applier = new QueueLogApplier(machineSettings, appender);
        this.bodies = new MessageBodies(topicPartition, queue, cache, applier);
        this.consumers = new AttachedConsumers(topicPartition, queue, settings, cache, applier::machine, bodies,
                appender);
        this.publishes = new PublishesInFlight(queue, settings, machineSettings, appender);
        this.upkeep = new QueueUpkeep(settings, applier, bodies, appender, deadLetters);
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    String queue() {
        return queue;
    }

    QueueMachine machine() {
        return applier.machine();
    }

    /** The consumers attached here, where their requests go; on the leader only. */
    AttachedConsumers consumers() {
        return consumers;
    }

    /** Where the publishes stored in this queue go; on the leader only. */
    PublishesInFlight publishes() {
        return publishes;
    }

    /** Where any other entry a request makes goes, to be appended with the next batch; on the leader only. */
    QueueEntryAppender appender() {
        return appender;
    }

    /** The bodies of the queue's live messages. */
    MessageBodies bodies() {
        return bodies;
    }

    /** Messages discarded (died without a dead-letter exchange) while this broker led the queue, by reason. */
    Map<DeathReason, Long> discarded() {
        return Map.copyOf(discarded);
    }

    /** Dead letters dropped (no exchange, no route, too large for a target) while this broker led the queue. */
    long deadLettersDropped() {
        return deadLetters.dropped();
    }

    /** The queue's figures now, for the metrics; meaningful on the leader only. */
    QueueFigures figures() {
        QueueMachine machine = applier.machine();
        return new QueueFigures(machine.readyCount(), machine.unackedCount(), machine.readyBytes(),
                machine.consumers().size(), machine.deadLetteringCount(), consumers.redeliveries(),
                deadLettersDropped(), discarded, published, delivered, acked, machine.oldestEnqueuedAtMs(),
                machine.deadLettersByReason());
    }

    /** Leads and has applied everything earlier leaders appended: it may take requests. */
    boolean isServing() {
        return leaderEpoch != NOT_LEADING && prepared;
    }

    /**
     * Brings the shard in step with {@code partition} ({@link #sync}) and, when leading, appends
     * what is pending as one batch.
     */
    void follow(Partition partition, long nowMs) {
        sync(partition, nowMs);
        if (isServing()) {
            upkeep.publishDeadLetters(partition.log(), nowMs);
            appendPending(partition, nowMs);
        }
    }

    /**
     * Brings the shard in step with {@code partition}'s role (a lost leadership fails what waits
     * and closes the consumers attached here) and its committed entries (applied, with their
     * effects acted on when leading); appends nothing, so that requests arriving one by one are
     * appended together by the next {@link #follow}.
     */
    void sync(Partition partition, long nowMs) {
        boolean leading = partition.isLeader();
        int epoch = leading ? partition.leaderEpoch() : NOT_LEADING;
        if (epoch != leaderEpoch) {
            if (leaderEpoch != NOT_LEADING) {
                stepDown(lookup.toError(new ReplicationException(ErrorCode.NOT_LEADER, "broker no longer leads queue '"
                        + queue + "'"), topicPartition.topic(), 0));
            }
            leaderEpoch = epoch;
            if (leading) {
                epochStartOffset = partition.log().logEndOffset();
                prepared = false;
            }
        }
        Log log = partition.log();
        try {
            applier.catchUp(log, partition.highWatermark(), (item, effects) -> applied(log, item, effects));
        } finally {
            consumers.sendDeliveries();  // what was applied before a failed read is delivered all the same
        }
        if (leading && !prepared && applier.nextOffset() >= epochStartOffset) {
            prepare();
        }
    }

    /**
     * Whether {@code highWatermark} is past what the last {@link #sync} applied up to: entries
     * committed since wait to be applied.
     */
    boolean behind(long highWatermark) {
        return applier.behind(highWatermark);
    }

    /** The previous leaders' consumers are gone: what they held goes back to the queue. */
    private void prepare() {
        prepared = true;
        QueueMachine machine = applier.machine();
        for (ConsumerInfo consumer : machine.consumers()) {
            String consumerId = consumer.consumerId();
            appender.submit(AttachedConsumers.goneEntry(consumerId, ConsumerGone.Reason.LEADER_CHANGED), null);
        }
        // The previous leader may have stored some of them already: the targets drop those copies.
        machine.pendingDeadLetters().forEach(deadLetters::add);
        LOG.info("Queue '{}' is served by this broker from offset {} (epoch {})", queue, applier.nextOffset(),
                leaderEpoch);
    }

    private void stepDown(Error why) {
        consumers.closeAll(why);
        appender.failAll(why);
        publishes.failAll(why);
        cache.removeAll(topicPartition);
        prepared = false;
        upkeep.clear();
    }

    /** Fails everything waiting: the replica is gone from this broker. */
    void close(Error why) {
        stepDown(why);
        leaderEpoch = NOT_LEADING;
    }

    /**
     * One upkeep round (leader): closes the consumers past the consumer timeout, then appends what
     * the leader appends of its own accord ({@link QueueUpkeep}) with whatever is pending.
     */
    void maintain(Partition partition, long nowMs) {
        if (!isServing()) {
            return;
        }
        consumers.closeOverdue(nowMs);
        upkeep.run(partition.log(), nowMs);
        appendPending(partition, nowMs);
    }

    private void appendPending(Partition partition, long nowMs) {
        appender.appendPending(partition, applier.machine(), applier.nextOffset(), nowMs);
    }

    private void applied(Log log, LoggedQueueEntry item, List<QueueEffect> effects) {
        if (isServing()) {
            if (stored(item.entry(), effects)) {
                published++;
            }
            act(log, effects);
        }
    }

    private void act(Log log, List<QueueEffect> effects) {
        for (QueueEffect effect : effects) {
            if (effect instanceof QueueEffect.Deliver deliver) {
                delivered++;  // a basic.get's too, which has no LocalConsumer
                consumers.deliver(deliver, log);
            } else if (effect instanceof QueueEffect.ConsumerActivated activated) {
                consumers.activated(activated.consumerId());
            } else if (effect instanceof QueueEffect.Settled settled && settled.outcome() == Settle.Outcome.ACK) {
                acked += settled.ids().size();
            } else if (effect instanceof QueueEffect.Purged) {
                cache.removeAll(topicPartition);
            } else if (effect instanceof QueueEffect.DeadLetter dead) {
                deadLetters.add(dead);
            } else if (effect instanceof QueueEffect.Discarded gone) {
                for (DiscardedMessage message : gone.messages()) {
                    discarded.merge(message.reason(), 1L, Long::sum);
                    cache.remove(topicPartition, message.location());
                }
            }
        }
    }

    /** Whether applying {@code entry} stored a message: an Enqueue neither a duplicate nor refused as full. */
    private static boolean stored(QueueEntry entry, List<QueueEffect> effects) {
        return entry.hasEnqueue() && effects.stream().noneMatch(effect -> effect instanceof QueueEffect.DuplicatePublish
                || effect instanceof QueueEffect.PublishRejected);
    }
}
