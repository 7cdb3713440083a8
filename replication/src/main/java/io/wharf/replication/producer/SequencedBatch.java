package io.wharf.replication.producer;

/**
 * A batch an idempotent producer wrote to a partition: the sequences of its first and last record
 * and the offsets they got. Immutable.
 */
public record SequencedBatch(int firstSequence, int lastSequence, long baseOffset, long lastOffset) {
}
