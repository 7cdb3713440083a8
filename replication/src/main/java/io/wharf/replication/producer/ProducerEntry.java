package io.wharf.replication.producer;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;

/**
 * What a partition remembers of one idempotent producer: its epoch, its last
 * {@link ProducerStateTable#RETAINED_BATCHES} batches, oldest first, and the max timestamp of the
 * last batch it wrote (what its expiry is measured from). Not thread-safe; owned by its
 * {@link ProducerStateTable}.
 */
public final class ProducerEntry {

    private final long producerId;
    private final short epoch;
    private final ArrayDeque<SequencedBatch> batches = new ArrayDeque<>();
    private long lastTimestamp;

    ProducerEntry(long producerId, short epoch) {
        this.producerId = producerId;
        this.epoch = epoch;
    }

    public long producerId() {
        return producerId;
    }

    public short epoch() {
        return epoch;
    }

    /** The retained batches, oldest first. */
    public List<SequencedBatch> batches() {
        return List.copyOf(batches);
    }

    /** The max timestamp of the last batch written, as its header holds it. */
    public long lastTimestamp() {
        return lastTimestamp;
    }

    /** The sequence of the last record written. */
    public int lastSequence() {
        return batches.getLast().lastSequence();
    }

    /** The retained batch with exactly these first and last sequences: a retry of it is a duplicate. */
    Optional<SequencedBatch> find(int firstSequence, int lastSequence) {
        for (SequencedBatch batch : batches) {
            if (batch.firstSequence() == firstSequence && batch.lastSequence() == lastSequence) {
                return Optional.of(batch);
            }
        }
        return Optional.empty();
    }

    void add(SequencedBatch batch, long maxTimestamp) {
        batches.addLast(batch);
        lastTimestamp = maxTimestamp;
        while (batches.size() > ProducerStateTable.RETAINED_BATCHES) {
            batches.removeFirst();
        }
    }
}
