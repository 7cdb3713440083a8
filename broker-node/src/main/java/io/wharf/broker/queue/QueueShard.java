package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.AppendOutcome;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.DeadLettered;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Expire;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.Move;
import io.wharf.proto.queue.Purge;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import io.wharf.queue.ConsumerInfo;
import io.wharf.queue.DeathReason;
import io.wharf.queue.DiscardedMessage;
import io.wharf.queue.LoggedQueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueEntryBatches;
import io.wharf.queue.QueueMachine;
import io.wharf.queue.QueueReplay;
import io.wharf.queue.QueueSettings;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.Log;
import io.wharf.replication.replica.ReplicationException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One queue as this broker hosts it: the {@link QueueMachine} folded from the queue's log (its
 * topic's single partition), kept in step on the leader and on every follower, and — on the
 * leader — the consumers attached here and the entries waiting to be appended.
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
    private static final int READ_BYTES = 1 << 20;
    /** A Kafka v2 record's header with no key or headers: length, attributes, deltas, key and value lengths. */
    private static final int RECORD_OVERHEAD_BYTES = 21;

    /** Told, on the queue thread, how an appended entry ended: applied with its effects, or failed. */
    interface Waiter {
        void applied(List<QueueEffect> effects);

        void failed(Error error);
    }

    private record PendingEntry(QueueEntry entry, Waiter waiter) {
    }

    private record PublishKey(String publisherId, long sequence) {
    }

    private final TopicPartition topicPartition;
    private final String queue;
    private final QueueBrokerSettings settings;
    private final QueueSettings machineSettings;
    private final PartitionLookup lookup;
    private QueueMachine machine;
    /** The next log offset to apply. */
    private long nextOffset;
    /** The high watermark the last catch-up applied up to. */
    private long caughtUpTo;
    /** Feeds the machine, skipping what precedes the first checkpoint when the log starts after 0. */
    private QueueReplay replay;
    private int leaderEpoch = NOT_LEADING;
    /** The log end when this broker became leader: everything below must be applied before it serves. */
    private long epochStartOffset;
    private boolean prepared;

    // Leader-only state, dropped when leadership goes.
    private final Map<String, LocalConsumer> consumers = new LinkedHashMap<>();
    /** Consumers given deliveries by the catch-up under way: they are sent when it ends. */
    private final Set<LocalConsumer> delivering = new LinkedHashSet<>();
    private final ArrayDeque<PendingEntry> pending = new ArrayDeque<>();
    private final TreeMap<Long, Waiter> waiters = new TreeMap<>();
    /** Entries this leader appended and has not applied yet: applied from here, not read back from the log. */
    private final TreeMap<Long, LoggedQueueEntry> appended = new TreeMap<>();
    private final Map<PublishKey, List<CompletableFuture<Error>>> publishing = new HashMap<>();
    /** Message ids with a settlement appended or pending, not applied yet: acking them again is an error. */
    private final Set<Long> settling = new HashSet<>();
    private final Set<Long> moving = new HashSet<>();
    private final MessageCache cache;
    /** Runs a task on the queue thread (replication completes appends on other threads). */
    private final Executor queueThread;
    private boolean checkpointDue;
    private long entriesSinceCheckpoint;
    private long redeliveries;
    /** Counted while this broker led the queue, like {@link #redeliveries}: for the metrics. */
    private long published;
    private long delivered;
    private long acked;
    private final DeadLetterPublisher deadLetters;
    /** An Expire entry is appended and not applied yet: one at a time is enough. */
    private boolean expiring;
    /** Messages that died in a queue without a dead-letter exchange while this broker led it, by reason. */
    private final Map<DeathReason, Long> discarded = new EnumMap<>(DeathReason.class);

    QueueShard(TopicPartition topicPartition, String queue, QueueBrokerSettings settings, QueueSettings machineSettings,
               DeadLetterPublisher deadLetters, MessageCache cache, Executor queueThread, PartitionLookup lookup) {
        this.cache = cache;
        this.lookup = lookup;
        this.topicPartition = topicPartition;
        this.queueThread = queueThread;
        this.queue = queue;
        this.settings = settings;
        this.machineSettings = machineSettings;
        this.deadLetters = deadLetters;
        this.machine = new QueueMachine(machineSettings);
        this.replay = new QueueReplay(machine, 0);
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    String queue() {
        return queue;
    }

    QueueMachine machine() {
        return machine;
    }

    long redeliveries() {
        return redeliveries;
    }

    /** Messages discarded (died without a dead-letter exchange) while this broker led the queue, by reason. */
    Map<DeathReason, Long> discarded() {
        return Map.copyOf(discarded);
    }

    /** Dead letters dropped (no exchange, no route, too large for a target) while this broker led the queue. */
    long deadLettersDropped() {
        return deadLetters.dropped();
    }

    Map<String, LocalConsumer> consumers() {
        return consumers;
    }

    /** The queue's figures now, for the metrics; meaningful on the leader only. */
    QueueFigures figures() {
        return new QueueFigures(machine.readyCount(), machine.unackedCount(), machine.readyBytes(),
                machine.consumers().size(), machine.deadLetteringCount(), redeliveries, deadLettersDropped(),
                discarded, published, delivered, acked, machine.oldestEnqueuedAtMs(), machine.deadLettersByReason());
    }

    /** Leads and has applied everything earlier leaders appended: it may take requests. */
    boolean isServing() {
        return leaderEpoch != NOT_LEADING && prepared;
    }

    boolean isLeading() {
        return leaderEpoch != NOT_LEADING;
    }

    /**
     * Brings the shard in step with {@code partition} ({@link #sync}) and, when leading, appends
     * what is pending as one batch.
     */
    void follow(Partition partition, long nowMs) {
        sync(partition, nowMs);
        if (isServing()) {
            publishDeadLetters(partition.log(), nowMs);
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
        try {
            catchUp(partition.log(), partition.highWatermark());
        } finally {
            sendDeliveries();  // what was applied before a failed read is delivered all the same
        }
        if (leading && !prepared && nextOffset >= epochStartOffset) {
            prepare(nowMs);
        }
    }

    /**
     * Whether {@code highWatermark} is past what the last {@link #sync} applied up to: entries
     * committed since wait to be applied.
     */
    boolean behind(long highWatermark) {
        return highWatermark > caughtUpTo;
    }

    /**
     * Sends each consumer what this catch-up delivered to it, as one message, in the same turn
     * of the queue thread: a consumer's latency is a commit's, not a commit's plus a wait behind
     * the queue thread's other tasks.
     */
    private void sendDeliveries() {
        delivering.forEach(LocalConsumer::sendDeliveries);
        delivering.clear();
    }

    /** The previous leaders' consumers are gone: what they held goes back to the queue. */
    private void prepare(long nowMs) {
        prepared = true;
        for (ConsumerInfo consumer : machine.consumers()) {
            String consumerId = consumer.consumerId();
            pending.add(new PendingEntry(goneEntry(consumerId, ConsumerGone.Reason.LEADER_CHANGED), null));
        }
        // The previous leader may have stored some of them already: the targets drop those copies.
        machine.pendingDeadLetters().forEach(deadLetters::add);
        LOG.info("Queue '{}' is served by this broker from offset {} (epoch {})", queue, nextOffset, leaderEpoch);
    }

    private void stepDown(Error why) {
        for (LocalConsumer consumer : List.copyOf(consumers.values())) {
            consumer.close(why);
        }
        consumers.clear();
        for (PendingEntry entry : pending) {
            if (entry.waiter() != null) {
                entry.waiter().failed(why);
            }
        }
        pending.clear();
        List<Waiter> inFlight = List.copyOf(waiters.values());
        waiters.clear();
        appended.clear();  // a new leader may truncate them; from now on the log says what is there
        inFlight.forEach(waiter -> waiter.failed(why));
        publishing.values().forEach(futures -> futures.forEach(future -> future.complete(why)));
        publishing.clear();
        settling.clear();
        moving.clear();
        cache.removeAll(topicPartition);
        checkpointDue = false;
        prepared = false;
        deadLetters.clear();
        expiring = false;
    }

    /** Fails everything waiting: the replica is gone from this broker. */
    void close(Error why) {
        stepDown(why);
        leaderEpoch = NOT_LEADING;
    }

    // ----------------------------------------------------------------------------------------
    // Requests (leader only; callers check isServing first)

    /**
     * Stores a message once: a publisher's retry of a sequence that is applied or on its way is
     * answered with that first copy's outcome.
     *
     * @return completes with NONE once the message is committed, or the error that stopped it
     */
    CompletableFuture<Error> enqueue(String publisherId, long sequence, Message message) {
        CompletableFuture<Error> result = new CompletableFuture<>();
        int size = message.getSerializedSize();
        if (size > settings.maxMessageBytes()) {
            result.complete(PartitionLookup.error(ErrorCode.RECORD_TOO_LARGE, "a message of " + size
                    + " bytes (body, headers and properties) is larger than queue.max.message.bytes="
                    + settings.maxMessageBytes() + "; send smaller messages"));
            return result;
        }
        boolean deduplicated = !publisherId.isEmpty();
        PublishKey key = new PublishKey(publisherId, sequence);
        if (deduplicated) {
            List<CompletableFuture<Error>> same = publishing.get(key);
            if (same != null) {
                same.add(result);
                return result;
            }
            publishing.put(key, new ArrayList<>(List.of(result)));
        }
        QueueEntry entry = QueueEntry.newBuilder().setEnqueue(Enqueue.newBuilder().setPublisherId(publisherId)
                .setSequence(sequence).setMessage(message)).build();
        pending.add(new PendingEntry(entry, new Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                boolean rejected = effects.stream().anyMatch(QueueEffect.PublishRejected.class::isInstance);
                finish(rejected ? queueFull() : PartitionLookup.none());
            }

            @Override
            public void failed(Error error) {
                finish(error);
            }

            private void finish(Error outcome) {
                if (deduplicated) {
                    List<CompletableFuture<Error>> all = publishing.remove(key);
                    if (all != null) {
                        all.forEach(future -> future.complete(outcome));
                    }
                }
                result.complete(outcome);
            }
        }));
        return result;
    }

    /** RabbitMQ nacks a publish to a full queue with x-overflow=reject-publish. */
    private Error queueFull() {
        List<String> limits = new ArrayList<>();
        machineSettings.limits().maxLength().ifPresent(max -> limits.add("x-max-length=" + max));
        machineSettings.limits().maxLengthBytes().ifPresent(max -> limits.add("x-max-length-bytes=" + max));
        return PartitionLookup.error(ErrorCode.QUEUE_FULL, "queue '" + queue + "' is full ("
                + String.join(" or ", limits)
                + ", x-overflow=reject-publish); the message was not stored. Publish again once consumers "
                + "have taken some");
    }

    /**
     * Attaches a consumer: its Subscribe is appended, and {@link LocalConsumer#subscribed} is
     * called when it is applied, before its first delivery.
     *
     * @return the refusal (RESOURCE_LOCKED for exclusivity) or empty when it was accepted
     */
    Optional<Error> subscribe(LocalConsumer consumer, int prefetch, boolean exclusive, int priority) {
        Subscribe subscribe = Subscribe.newBuilder().setConsumerId(consumer.consumerId())
                .setConsumerTag(consumer.consumerTag()).setPrefetch(prefetch).setNoAck(consumer.noAck())
                .setExclusive(exclusive).setPriority(priority).build();
        // Consumers attached here whose Subscribe is not applied yet count as well.
        boolean othersHere = !consumers.isEmpty();
        boolean exclusiveHere = consumers.values().stream().anyMatch(LocalConsumer::exclusive);
        Optional<Error> refused = machine.canSubscribe(subscribe)
                .map(refusal -> PartitionLookup.error(refusal.code(), refusal.message()));
        if (refused.isEmpty() && (exclusiveHere || exclusive && othersHere)) {
            refused = Optional.of(PartitionLookup.error(ErrorCode.RESOURCE_LOCKED, exclusiveHere
                    ? "queue '" + queue + "' has an exclusive consumer"
                    : "queue '" + queue + "' has other consumers; an exclusive consumer must be the only one"));
        }
        if (refused.isPresent()) {
            return refused;
        }
        consumers.put(consumer.consumerId(), consumer);
        QueueEntry entry = QueueEntry.newBuilder().setSubscribe(subscribe).build();
        pending.add(new PendingEntry(entry, new Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                for (QueueEffect effect : effects) {
                    if (effect instanceof QueueEffect.SubscribeRefused refusal
                            && refusal.consumerId().equals(consumer.consumerId())) {
                        consumers.remove(consumer.consumerId());
                        consumer.close(PartitionLookup.error(refusal.refusal().code(), refusal.refusal().message()));
                        return;
                    }
                }
                consumer.subscribed(machine.activeConsumer().map(consumer.consumerId()::equals).orElse(true));
            }

            @Override
            public void failed(Error error) {
                consumers.remove(consumer.consumerId());
                consumer.close(error);
            }
        }));
        return Optional.empty();
    }

    /**
     * A consumer's ack or nack of {@code tag} (and, with {@code multiple}, of every earlier one it
     * holds).
     *
     * @return UNKNOWN_DELIVERY_TAG when it does not hold {@code tag} (the caller closes it)
     */
    Optional<Error> settle(LocalConsumer consumer, long tag, boolean multiple, Settle.Outcome outcome,
                           boolean confirm) {
        String consumerId = consumer.consumerId();
        if (!machine.isHeldBy(consumerId, tag) || settling.contains(tag)) {
            return Optional.of(unknownTag(consumer, tag));
        }
        List<Long> ids = new ArrayList<>();
        if (multiple) {
            for (long id : machine.heldBy(consumerId)) {
                if (id <= tag && !settling.contains(id)) {
                    ids.add(id);
                }
            }
        } else {
            ids.add(tag);
        }
        addSettle(consumerId, ids, outcome, confirm);
        return Optional.empty();
    }

    /**
     * A consumer's acks or nacks of several deliveries, each alone, as one settle entry. They are
     * taken in order, as if sent one by one: those before a tag it does not hold are settled.
     *
     * @return UNKNOWN_DELIVERY_TAG for the first tag it does not hold (the caller closes it)
     */
    Optional<Error> settleEach(LocalConsumer consumer, List<Long> tags, Settle.Outcome outcome, boolean confirm) {
        String consumerId = consumer.consumerId();
        List<Long> ids = new ArrayList<>(tags.size());
        Set<Long> seen = new HashSet<>();
        Optional<Error> refused = Optional.empty();
        for (long tag : tags) {
            if (!machine.isHeldBy(consumerId, tag) || settling.contains(tag) || !seen.add(tag)) {
                refused = Optional.of(unknownTag(consumer, tag));
                break;
            }
            ids.add(tag);
        }
        if (!ids.isEmpty()) {
            addSettle(consumerId, ids, outcome, confirm);
        }
        return refused;
    }

    private Error unknownTag(LocalConsumer consumer, long tag) {
        return PartitionLookup.error(ErrorCode.UNKNOWN_DELIVERY_TAG, "delivery tag " + tag
                + " is not held by consumer '" + consumer.consumerTag() + "' of queue '" + queue
                + "': it was never delivered to it, or was already acked, nacked or rejected");
    }

    private void addSettle(String consumerId, List<Long> ids, Settle.Outcome outcome, boolean confirm) {
        settling.addAll(ids);
        // Where their bodies are, looked up now: once the settle is applied the machine forgets them.
        List<Long> locations = new ArrayList<>();
        ids.forEach(id -> machine.location(id).ifPresent(locations::add));
        QueueEntry entry = QueueEntry.newBuilder().setSettle(Settle.newBuilder().setConsumerId(consumerId)
                .addAllMessageIds(ids).setOutcome(outcome)).build();
        pending.add(new PendingEntry(entry, new Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                ids.forEach(settling::remove);
                if (outcome != Settle.Outcome.REQUEUE) {
                    locations.forEach(location -> cache.remove(topicPartition, location));
                }
                LocalConsumer consumer = consumers.get(consumerId);
                if (confirm && consumer != null) {
                    consumer.settled(ids);
                }
            }

            @Override
            public void failed(Error error) {
                ids.forEach(settling::remove);
            }
        }));
    }

    /** The consumer's stream ended: what it holds goes back to the queue once that is applied. */
    void consumerGone(String consumerId, ConsumerGone.Reason reason) {
        LocalConsumer removed = consumers.remove(consumerId);
        if (removed != null) {
            pending.add(new PendingEntry(goneEntry(consumerId, reason), null));
        }
    }

    /** Appends {@code entry}; {@code waiter} hears how it ended. */
    void submit(QueueEntry entry, Waiter waiter) {
        pending.add(new PendingEntry(entry, waiter));
    }

    /** Drops every ready message; completes with how many. */
    CompletableFuture<Long> purge() {
        CompletableFuture<Long> purged = new CompletableFuture<>();
        submit(QueueEntry.newBuilder().setPurge(Purge.getDefaultInstance()).build(), new Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                purged.complete(effects.stream().filter(QueueEffect.Purged.class::isInstance)
                        .mapToLong(e -> ((QueueEffect.Purged) e).count()).sum());
            }

            @Override
            public void failed(Error error) {
                purged.completeExceptionally(new QueueRequestException(error));
            }
        });
        return purged;
    }

    static QueueEntry goneEntry(String consumerId, ConsumerGone.Reason reason) {
        return QueueEntry.newBuilder().setConsumerGone(ConsumerGone.newBuilder().setConsumerId(consumerId)
                .setReason(reason)).build();
    }

    static String newConsumerId() {
        return UUID.randomUUID().toString();
    }

    /** The message stored at {@code location}, from the cache or else the log. */
    Message message(Log log, long location) {
        Optional<Message> cached = cache.get(topicPartition, location);
        if (cached.isPresent()) {
            return cached.get();
        }
        // A miss reads a whole chunk of the log (after a failover the cache is empty and the next
        // deliveries are mostly nearby): keep every live message in it, not just this one.
        Message found = null;
        ByteBuffer read = log.readCopy(location, READ_BYTES, nextOffset);
        for (LoggedQueueEntry item : QueueEntryBatches.decode(read, location, nextOffset)) {
            QueueEntry entry = item.entry();
            long id = entry.hasEnqueue() ? item.offset() : entry.hasMove() ? entry.getMove().getId() : -1;
            if (id < 0 || machine.location(id).orElse(-1) != item.offset()) {
                continue;  // not a message, or settled, or moved elsewhere since
            }
            Message message = entry.hasEnqueue() ? entry.getEnqueue().getMessage() : entry.getMove().getMessage();
            cache.put(topicPartition, item.offset(), message);
            if (item.offset() == location) {
                found = message;
            }
        }
        if (found == null) {
            throw new IllegalStateException("queue '" + queue + "' has no live message at offset " + location);
        }
        return found;
    }

    // ----------------------------------------------------------------------------------------
    // Upkeep (leader): consumer timeouts, checkpoints, moving long-held messages, the log start

    /** Consumers attached here holding a delivery longer than the queue's consumer timeout. */
    List<LocalConsumer> overdueConsumers(long nowMs) {
        List<LocalConsumer> overdue = new ArrayList<>();
        for (String consumerId : machine.overdue(nowMs, settings.consumerTimeoutMs())) {
            LocalConsumer consumer = consumers.get(consumerId);
            if (consumer != null) {
                overdue.add(consumer);
            }
        }
        return overdue;
    }

    /**
     * Lets the log start pass what is settled; asks for a checkpoint when the last one holds the
     * log start back; re-appends messages left far behind the log end so their old place can go.
     */
    void maintain(Partition partition, long nowMs) {
        if (!isServing()) {
            return;
        }
        Log log = partition.log();
        long logEnd = log.logEndOffset();
        long oldest = machine.oldestLocation();
        if (entriesSinceCheckpoint >= settings.checkpointEntries()
                && oldest > machine.lastCheckpointOffset().orElse(-1)) {
            checkpointDue = true;
        }
        if (logEnd - oldest > settings.moveThresholdEntries()) {
            long below = logEnd - settings.moveThresholdEntries() / 2;
            for (long id : machine.moveCandidates(settings.moveBatch(), below)) {
                if (moving.add(id)) {
                    long location = machine.location(id).orElseThrow();
                    Message message = message(log, location);
                    pending.add(new PendingEntry(QueueEntry.newBuilder().setMove(Move.newBuilder().setId(id)
                            .setMessage(message)).build(), new Waiter() {
                        @Override
                        public void applied(List<QueueEffect> effects) {
                            moving.remove(id);
                        }

                        @Override
                        public void failed(Error error) {
                            moving.remove(id);
                        }
                    }));
                }
            }
        }
        expireDue(nowMs);
        publishDeadLetters(log, nowMs);  // retries whose backoff passed, on a queue nothing else wakes
        long needed = Math.min(machine.lowestNeededOffset(), nextOffset);
        if (needed > log.logStartOffset()) {
            log.deleteRecordsBefore(needed);
        }
        appendPending(partition, nowMs);
    }

    /**
     * Appends an Expire entry once the head's TTL has passed, so that an idle queue expires its
     * messages too (its timestamp is the time the machine expires them by).
     */
    private void expireDue(long nowMs) {
        if (expiring || machine.nextExpiryMs().isEmpty() || machine.nextExpiryMs().getAsLong() > nowMs) {
            return;
        }
        expiring = true;
        pending.add(new PendingEntry(QueueEntry.newBuilder().setExpire(Expire.getDefaultInstance()).build(),
                new Waiter() {
                    @Override
                    public void applied(List<QueueEffect> effects) {
                        expiring = false;
                    }

                    @Override
                    public void failed(Error error) {
                        expiring = false;
                    }
                }));
    }

    /** Stores the dead letters that are due, and marks those stored everywhere (or dropped) as done. */
    private void publishDeadLetters(Log log, long nowMs) {
        deadLetters.publishDue(nowMs, id -> {
            OptionalLong location = machine.location(id);
            return location.isEmpty() ? Optional.empty() : Optional.of(message(log, location.getAsLong()));
        });
        List<Long> done = deadLetters.takeDone();
        if (done.isEmpty()) {
            return;
        }
        pending.add(new PendingEntry(QueueEntry.newBuilder().setDeadLettered(DeadLettered.newBuilder()
                .addAllMessageIds(done)).build(), new Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                done.forEach(deadLetters::marked);
            }

            @Override
            public void failed(Error error) {
                done.forEach(deadLetters::markFailed);
            }
        }));
    }

    // ----------------------------------------------------------------------------------------
    // The log

    private void appendPending(Partition partition, long nowMs) {
        if (checkpointDue) {
            if (!waiters.isEmpty() || nextOffset < partition.log().logEndOffset()) {
                return;  // the checkpoint must describe every entry below it: wait for those in flight
            }
            QueueEntry checkpoint = QueueEntry.newBuilder().setCheckpoint(machine.checkpoint()).build();
            if (!append(partition, List.of(new PendingEntry(checkpoint, null)), nowMs)) {
                return;  // not written: due still, and nothing else may go before it
            }
            checkpointDue = false;
        }
        while (!pending.isEmpty()) {
            List<PendingEntry> batch = new ArrayList<>();
            long bytes = 0;
            while (!pending.isEmpty() && (batch.isEmpty()
                    || bytes + recordBytes(pending.peekFirst()) <= settings.maxBatchBytes())) {
                PendingEntry next = pending.pollFirst();
                bytes += recordBytes(next);
                batch.add(next);
            }
            if (!append(partition, batch, nowMs)) {
                return;  // what must be retried is pending again; the next drain or upkeep round tries
            }
        }
    }

    /** An entry's size in a record batch: its bytes and, at most, a record's own header. */
    private static int recordBytes(PendingEntry entry) {
        return entry.entry().getSerializedSize() + RECORD_OVERHEAD_BYTES;
    }

    /**
     * Appends {@code batch} as one record batch.
     *
     * @return false when nothing was appended (not enough in-sync replicas, a storage fault, no
     *     longer leader): entries with a waiter fail to it; the others — a consumer gone, a new
     *     prefetch, acks and nacks, which no client would send again — go back to the front of
     *     the pending entries, in order, for the next try (a new leader writes every consumer off
     *     instead, and drops them)
     */
    private boolean append(Partition partition, List<PendingEntry> batch, long nowMs) {
        List<QueueEntry> entries = batch.stream().map(PendingEntry::entry).toList();
        AppendOutcome outcome;
        try {
            outcome = partition.appendAsLeader(QueueEntryBatches.encode(entries, nowMs), -1,
                    nowMs + settings.commitTimeoutMs());
        } catch (RuntimeException e) {
            Error error = errorOf(e);
            LOG.debug("Queue '{}': an append of {} entries failed: {}", queue, entries.size(), error.getMessage());
            List<PendingEntry> retry = new ArrayList<>();
            for (PendingEntry entry : batch) {
                if (entry.entry().hasCheckpoint()) {
                    continue;
                }
                if (entry.waiter() == null || entry.entry().hasSettle()) {
                    retry.add(entry);
                } else {
                    entry.waiter().failed(error);
                }
            }
            for (int i = retry.size() - 1; i >= 0; i--) {
                pending.addFirst(retry.get(i));
            }
            return false;
        }
        long base = outcome.baseOffset();
        entriesSinceCheckpoint += batch.size();
        for (int i = 0; i < batch.size(); i++) {
            PendingEntry entry = batch.get(i);
            long offset = base + i;
            if (entry.entry().hasEnqueue()) {
                cache.put(topicPartition, offset, entry.entry().getEnqueue().getMessage());
            } else if (entry.entry().hasMove()) {
                cache.put(topicPartition, offset, entry.entry().getMove().getMessage());
            } else if (entry.entry().hasCheckpoint()) {
                entriesSinceCheckpoint = 0;
            }
            if (entry.waiter() != null) {
                waiters.put(offset, entry.waiter());
            }
            appended.put(offset, new LoggedQueueEntry(offset, nowMs, entry.entry()));
        }
        long last = base + batch.size() - 1;
        outcome.replicated().whenComplete((hw, failure) -> {
            if (failure != null) {
                failAppended(base, last, failure);
            }
        });
        return true;
    }

    private void failAppended(long first, long last, Throwable failure) {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        Error error = errorOf(cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
        queueThread.execute(() -> {
            List<Waiter> failed = new ArrayList<>(waiters.subMap(first, true, last, true).values());
            waiters.subMap(first, true, last, true).clear();
            failed.forEach(waiter -> waiter.failed(error));
        });
    }

    private Error errorOf(RuntimeException e) {
        Error error = lookup.toError(e, topicPartition.topic(), 0);
        return error.toBuilder().setMessage("queue '" + queue + "': " + error.getMessage()).build();
    }

    private void catchUp(Log log, long endOffset) {
        caughtUpTo = endOffset;
        if (nextOffset < log.logStartOffset()) {
            // The state before the log start lives only in the first checkpoint after it.
            nextOffset = log.logStartOffset();
            machine = new QueueMachine(machineSettings);
            replay = new QueueReplay(machine, nextOffset);
        }
        while (nextOffset < endOffset) {
            LoggedQueueEntry own = appended.remove(nextOffset);
            if (own != null) {
                applyOne(log, own);
                continue;
            }
            ByteBuffer read = log.readCopy(nextOffset, READ_BYTES, endOffset);
            if (!read.hasRemaining()) {
                return;
            }
            long readEnd = nextOffset;
            for (RecordBatch batch : RecordBatches.validateAll(read)) {
                readEnd = Math.max(readEnd, batch.nextOffset());
            }
            for (LoggedQueueEntry item : QueueEntryBatches.decode(read, nextOffset, endOffset)) {
                applyOne(log, item);
            }
            nextOffset = Math.max(nextOffset, Math.min(readEnd, endOffset));
        }
        appended.headMap(nextOffset).clear();
    }

    private void applyOne(Log log, LoggedQueueEntry item) {
        nextOffset = item.offset() + 1;  // what the effects deliver may be in this very batch
        List<QueueEffect> effects = replay.apply(item.offset(), item.timestampMs(), item.entry());
        Waiter waiter = waiters.remove(item.offset());
        if (waiter != null) {
            waiter.applied(effects);
        }
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
                LocalConsumer consumer = consumers.get(deliver.consumerId());
                if (consumer == null) {
                    continue;  // gone, or a Get's transient consumer; its ConsumerGone returns the message
                }
                if (deliver.redelivered()) {
                    redeliveries++;
                }
                consumer.deliver(Delivery.newBuilder().setDeliveryTag(deliver.id())
                        .setRedelivered(deliver.redelivered()).setDeliveryCount(deliver.deliveryCount())
                        .setMessage(message(log, deliver.location())).setQueue(queue).build());
                delivering.add(consumer);
                if (consumer.noAck()) {
                    addSettle(consumer.consumerId(), List.of(deliver.id()), Settle.Outcome.ACK, false);
                }
            } else if (effect instanceof QueueEffect.ConsumerActivated activated) {
                LocalConsumer consumer = consumers.get(activated.consumerId());
                if (consumer != null) {
                    consumer.subscribed(true);
                }
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

    /** Ids of deliveries in {@code effects} to {@code consumerId}, in order. */
    static List<QueueEffect.Deliver> deliveriesTo(String consumerId, List<QueueEffect> effects) {
        List<QueueEffect.Deliver> out = new ArrayList<>();
        for (QueueEffect effect : effects) {
            if (effect instanceof QueueEffect.Deliver d && d.consumerId().equals(consumerId)) {
                out.add(d);
            }
        }
        return out;
    }
}
