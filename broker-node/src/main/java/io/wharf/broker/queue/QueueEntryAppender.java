package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.AppendOutcome;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.queue.LoggedQueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueEntryBatches;
import io.wharf.queue.QueueMachine;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The entries a queue's leader appends to the queue's log: those waiting for the next append,
 * which go together as few record batches as {@code queue.max.batch.bytes} allows, and those
 * appended and not applied yet, kept with who waits for each and applied from here rather than
 * read back from the log. A checkpoint, once asked for, goes in before anything else, as soon as
 * every entry below it is applied.
 *
 * <p>Leader-only state, confined to the queue thread; {@link #failAll} fails what waits when the
 * leadership goes.
 */
final class QueueEntryAppender {

    private static final Logger LOG = LoggerFactory.getLogger(QueueEntryAppender.class);
    /** A Kafka v2 record's header with no key or headers: length, attributes, deltas, key and value lengths. */
    private static final int RECORD_OVERHEAD_BYTES = 21;

    /** Told, on the queue thread, how an appended entry ended: applied with its effects, or failed. */
    interface Waiter {
        void applied(List<QueueEffect> effects);

        void failed(Error error);
    }

    private record PendingEntry(QueueEntry entry, Waiter waiter) {
    }

    private final TopicPartition topicPartition;
    private final String queue;
    private final QueueBrokerSettings settings;
    private final MessageCache cache;
    private final PartitionLookup lookup;
    /** Runs a task on the queue thread (replication completes appends on other threads). */
    private final Executor queueThread;
    private final ArrayDeque<PendingEntry> pending = new ArrayDeque<>();
    private final TreeMap<Long, Waiter> waiters = new TreeMap<>();
    /** Entries this leader appended and has not applied yet: applied from here, not read back from the log. */
    private final TreeMap<Long, LoggedQueueEntry> appended = new TreeMap<>();
    private boolean checkpointDue;
    private long entriesSinceCheckpoint;

    QueueEntryAppender(TopicPartition topicPartition, String queue, QueueBrokerSettings settings, MessageCache cache,
                       PartitionLookup lookup, Executor queueThread) {
        this.topicPartition = topicPartition;
        this.queue = queue;
        this.settings = settings;
        this.cache = cache;
        this.lookup = lookup;
        this.queueThread = queueThread;
    }

    /** Appends {@code entry} with the next batch; {@code waiter}, when not null, hears how it ended. */
    void submit(QueueEntry entry, Waiter waiter) {
        pending.add(new PendingEntry(entry, waiter));
    }

    /** Entries appended since the last checkpoint (or since this broker led the queue). */
    long entriesSinceCheckpoint() {
        return entriesSinceCheckpoint;
    }

    /** Has the next {@link #appendPending} write a checkpoint first, once nothing below it waits to be applied. */
    void askForCheckpoint() {
        checkpointDue = true;
    }

    /** The entry this leader appended at {@code offset} and has not applied yet, taken out; null when none. */
    LoggedQueueEntry takeAppended(long offset) {
        return appended.remove(offset);
    }

    /** Forgets the appended entries below {@code offset}: they are applied. */
    void forgetAppendedBelow(long offset) {
        appended.headMap(offset).clear();
    }

    /** Who waits for the entry at {@code offset}, taken out now that it is applied; null when nobody. */
    Waiter takeWaiter(long offset) {
        return waiters.remove(offset);
    }

    /**
     * Appends what is pending, a checkpoint first when one is due.
     *
     * @param machine    the queue's state, which the checkpoint holds
     * @param nextOffset the next log offset to apply: a checkpoint waits until it is the log end
     */
    void appendPending(Partition partition, QueueMachine machine, long nextOffset, long nowMs) {
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
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        Error error = errorOf(cause instanceof RuntimeException r ? r : new IllegalStateException(cause));
        queueThread.execute(() -> {
            List<Waiter> failed = new ArrayList<>(waiters.subMap(first, true, last, true).values());
            waiters.subMap(first, true, last, true).clear();
            failed.forEach(waiter -> waiter.failed(error));
        });
    }

    private Error errorOf(RuntimeException e) {
        return QueueErrors.withQueueName(queue, lookup.toError(e, topicPartition.topic(), 0));
    }

    /**
     * The leadership is gone: every entry pending or in flight fails with {@code why}, and what
     * was appended is forgotten (a new leader may truncate it; from now on the log says what is
     * there).
     */
    void failAll(Error why) {
        for (PendingEntry entry : pending) {
            if (entry.waiter() != null) {
                entry.waiter().failed(why);
            }
        }
        pending.clear();
        List<Waiter> inFlight = List.copyOf(waiters.values());
        waiters.clear();
        appended.clear();
        inFlight.forEach(waiter -> waiter.failed(why));
        checkpointDue = false;
    }
}
