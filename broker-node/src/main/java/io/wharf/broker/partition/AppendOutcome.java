package io.wharf.broker.partition;

import java.util.concurrent.CompletableFuture;

/**
 * Where a produce append landed and, for acks=all, when the in-sync replicas hold it. Immutable.
 *
 * @param baseOffset     the offset of the first record appended
 * @param logStartOffset the partition's log start offset after the append
 * @param replicated     completes (with the high watermark) once the HW passed the append; fails
 *                       with a {@link io.wharf.replication.replica.ReplicationException}
 *                       (REQUEST_TIMED_OUT, NOT_LEADER) otherwise. Already complete for acks 0 and 1.
 */
public record AppendOutcome(long baseOffset, long logStartOffset, CompletableFuture<Long> replicated) {
}
