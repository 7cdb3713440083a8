package io.wharf.client.producer;

import io.wharf.client.TopicPartition;
import io.wharf.record.RecordBatch;
import java.util.HashMap;
import java.util.Map;

/**
 * The idempotent producer's identity and the next sequence of each partition, after Kafka's
 * TransactionManager for non-transactional producers. A batch gets its sequence when it is first
 * drained and keeps it on every retry, so the partition leader recognises a resent batch. When a
 * sequenced batch fails for good its partition may have a gap the broker would refuse forever, so
 * the producer starts over under a new producer id ({@link #restart}), with every partition's
 * sequence back at 0. Single-threaded: owned by the sender thread.
 */
final class ProducerSequences {

    private long producerId = RecordBatch.NO_PRODUCER_ID;
    private short producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
    private final Map<TopicPartition, Integer> nextSequence = new HashMap<>();

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

    /** Forgets the producer id: batches wait until a new one arrives. */
    void restart() {
        producerId = RecordBatch.NO_PRODUCER_ID;
        producerEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        nextSequence.clear();
    }

    /**
     * Stamps {@code batch} with the producer id and its partition's next sequence unless it has
     * one already (a retry). False when no producer id is known yet: hold the batch.
     */
    boolean stampIfNew(ProducerBatch batch) {
        if (batch.hasSequence()) {
            return true;
        }
        if (!hasProducerId()) {
            return false;
        }
        int sequence = nextSequence.getOrDefault(batch.tp, 0);
        batch.stamp(producerId, producerEpoch, sequence);
        nextSequence.put(batch.tp, RecordBatch.incrementSequence(sequence, batch.recordCount()));
        return true;
    }
}
