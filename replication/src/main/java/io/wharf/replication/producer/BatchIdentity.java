package io.wharf.replication.producer;

import io.wharf.record.RecordBatch;

/**
 * The producer fields of one batch header, as deduplication needs them. Immutable.
 *
 * @param producerId    {@link RecordBatch#NO_PRODUCER_ID} for a batch from a producer without idempotence
 * @param lastSequence  the first sequence advanced by the batch's last offset delta (wrapping past
 *                      Integer.MAX_VALUE)
 */
public record BatchIdentity(long producerId, short producerEpoch, int firstSequence, int lastSequence) {

    /** The identity in {@code batch}'s header. */
    public static BatchIdentity of(RecordBatch batch) {
        return new BatchIdentity(batch.producerId(), batch.producerEpoch(), batch.baseSequence(), batch.lastSequence());
    }

    /** True when the batch comes from an idempotent producer (it names a producer id). */
    public boolean isIdempotent() {
        return producerId >= 0;
    }
}
