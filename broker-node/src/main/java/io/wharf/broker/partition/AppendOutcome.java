package io.wharf.broker.partition;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Where a produce append landed and, for acks=all, when the in-sync replicas hold it. Immutable.
 *
 * @param baseOffset     the offset of the first record appended
 * @param batchBaseOffsets the base offset of each batch of the append, in order; for a batch an
 *                       idempotent producer had written before (a retry), the offset it got then
 * @param logStartOffset the partition's log start offset after the append
 * @param replicated     completes (with the high watermark) once the HW passed the append; fails
 *                       with a {@link io.wharf.replication.replica.ReplicationException}
 *                       (REQUEST_TIMED_OUT, NOT_LEADER) otherwise. Already complete for acks 0 and 1.
 */
public record AppendOutcome(long baseOffset, List<Long> batchBaseOffsets, long logStartOffset,
                            CompletableFuture<Long> replicated) {

    public AppendOutcome {
        batchBaseOffsets = List.copyOf(batchBaseOffsets);
    }
}
