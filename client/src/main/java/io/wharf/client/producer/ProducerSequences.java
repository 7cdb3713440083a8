package io.wharf.client.producer;

import io.wharf.client.TopicPartition;
import io.wharf.record.RecordBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The idempotent producer's identity, each partition's next sequence, and each partition's sent
 * but not yet completed batches, after Kafka's TransactionManager for producers without
 * transactions.
 *
 * <p>A batch gets its sequence when it is first drained and keeps it on every retry, so the
 * partition leader recognises a resent batch. A partition may have several requests in flight,
 * so this keeps its <em>unreleased</em> batches in sequence order: those sent and not completed,
 * and those whose outcome is known but wait for an earlier one (completions are released in
 * sequence order, so callbacks keep send order although pipelined answers arrive in any order).
 * At most {@value ProducerConfig#MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION} are unreleased per
 * partition, the number of batches a leader remembers per producer: whichever of them is resent,
 * the leader still knows it when it had written it before.
 *
 * <p>When a sequenced batch fails for good its partition may have a gap the broker would refuse
 * forever, so the producer starts over under a new producer id ({@link #restart}), with every
 * partition's sequence back at 0; later batches the leader refuses behind the gap are
 * {@linkplain #unstamp unstamped} and stamped afresh. A partition takes no sequence under the new
 * id while batches it sent under an older one are unreleased: the leader orders each producer
 * id's batches on its own, not one id's against another's.
 *
 * <p>Single-threaded: owned by the sender thread.
 */
final class ProducerSequences {

    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private final Map<TopicPartition, Integer> nextSequence = new HashMap<>();
    private final Map<TopicPartition, ArrayDeque<ProducerBatch>> unreleased = new HashMap<>();
    /** Outcomes known for batches that still wait for an earlier batch of their partition. */
    private final Map<ProducerBatch, Consumer<ProducerBatch>> held = new HashMap<>();

    /** True once a producer id is known (batches can be stamped). */
    boolean hasProducerId() {
        return producerId >= 0;
    }

    long producerId() {
        return producerId;
    }

    /** Adopts the id InitProducerId answered; every partition starts at sequence 0 under it. */
    void setProducerId(long id, short epoch) {
        producerId = id;
        producerEpoch = epoch;
        nextSequence.clear();
    }

    /** Forgets the producer id: new batches wait until a new one arrives. */
    void restart() {
        producerId = RecordBatch.NO_PRODUCER_ID;
        producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        nextSequence.clear();
    }

    /**
     * Whether a new batch of {@code tp} may take the next sequence now: a producer id is known,
     * fewer than {@value ProducerConfig#MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION} batches of
     * {@code tp} are unreleased, and none of them was sent under an older producer id.
     */
    boolean mayStamp(TopicPartition tp) {
        if (!hasProducerId()) {
            return false;
        }
        ArrayDeque<ProducerBatch> pending = unreleased.get(tp);
        return pending == null || (pending.size() < ProducerConfig.MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION
                && pending.stream().noneMatch(b -> b.hasSequence() && b.producerId() != producerId));
    }

    /**
     * Stamps {@code batch} with the producer id and its partition's next sequence unless it has
     * one already (a retry). False when {@link #mayStamp} says no: hold the batch. A stamped batch
     * must be sent.
     */
    boolean stampIfNew(ProducerBatch batch) {
        if (batch.hasSequence()) {
            return true;
        }
        if (!mayStamp(batch.tp)) {
            return false;
        }
        int sequence = nextSequence.getOrDefault(batch.tp, 0);
        batch.stamp(producerId, producerEpoch, sequence);
        nextSequence.put(batch.tp, RecordBatch.incrementSequence(sequence, batch.recordCount()));
        unreleased.computeIfAbsent(batch.tp, k -> new ArrayDeque<>()).addLast(batch);
        return true;
    }

    /**
     * Whether a batch of {@code batch}'s partition sequenced before it has no outcome yet (it is
     * in flight or waits for a retry): the leader may not have written it, so an
     * OUT_OF_ORDER_SEQUENCE answer to {@code batch} says nothing about a gap.
     */
    boolean followsUnresolved(ProducerBatch batch) {
        for (ProducerBatch earlier : unreleased.getOrDefault(batch.tp, new ArrayDeque<>())) {
            if (earlier == batch) {
                return false;
            }
            if (!isResolved(earlier)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The sequenced batches of {@code failed}'s partition after it whose outcome is not known yet
     * ({@code failed} itself may be released already).
     */
    List<ProducerBatch> unresolvedAfter(ProducerBatch failed) {
        List<ProducerBatch> after = new ArrayList<>();
        for (ProducerBatch batch : unreleased.getOrDefault(failed.tp, new ArrayDeque<>())) {
            // a partition's batches are created, stamped and sent in one order
            if (batch.creationIndex > failed.creationIndex && batch.hasSequence() && !isResolved(batch)) {
                after.add(batch);
            }
        }
        return after;
    }

    /**
     * Takes back the sequence of {@code batch}, which the leader refused (OUT_OF_ORDER_SEQUENCE:
     * nothing written) after an earlier batch failed for good: it no longer holds its partition
     * back and is stamped afresh when drained again.
     */
    void unstamp(ProducerBatch batch) {
        ArrayDeque<ProducerBatch> pending = unreleased.get(batch.tp);
        if (pending != null) {
            pending.remove(batch);
            release(pending);
        }
        batch.clearSequence();
    }

    /**
     * Applies {@code outcome} to {@code batch} once every batch of its partition sequenced before
     * it has completed, and releases the later ones whose outcome was waiting for it. A batch never
     * sent (it expired in the queue) waits for every sent one.
     */
    void completeInOrder(ProducerBatch batch, Consumer<ProducerBatch> outcome) {
        ArrayDeque<ProducerBatch> pending = unreleased.get(batch.tp);
        if (pending == null || pending.isEmpty()) {
            outcome.accept(batch);
            return;
        }
        if (!pending.contains(batch)) {
            pending.addLast(batch);
        }
        held.put(batch, outcome);
        release(pending);
    }

    /** Applies the held outcomes at the head of {@code pending}, up to the first batch without one. */
    private void release(ArrayDeque<ProducerBatch> pending) {
        while (!pending.isEmpty()) {
            ProducerBatch first = pending.peekFirst();
            Consumer<ProducerBatch> ready = held.remove(first);
            // a batch done without an outcome here was failed by a forced close from another thread
            if (ready == null && !first.done().isDone()) {
                break;
            }
            pending.pollFirst();
            if (ready != null) {
                ready.accept(first);
            }
        }
    }

    private boolean isResolved(ProducerBatch batch) {
        return held.containsKey(batch) || batch.done().isDone();
    }
}
