package io.wharf.client.consumer;

import java.util.ArrayDeque;

/**
 * Where the consumer stands in one assigned partition: the next offset to fetch (or a pending
 * reset), the records fetched but not yet returned, and a retry pause and the run of failures
 * (soft state: bounds how long a partition may stay unreachable before poll gives up).
 * Single-threaded; owned by a {@link Consumer}.
 */
final class PartitionFetchState {

    /** Next offset to fetch (past the buffered records); null while a reset to {@link #resetTo} is pending. */
    Long fetchOffset;
    OffsetResetPolicy resetTo;
    final ArrayDeque<ConsumerRecord> buffered = new ArrayDeque<>();
    long retryAtMs;
    /** When the current run of failed fetches began; 0 while fetches succeed. */
    long failingSinceMs;
    String lastFailure;

    PartitionFetchState(OffsetResetPolicy resetTo) {
        this.resetTo = resetTo;
    }

    /** The offset of the next record poll returns; null while a reset is pending. */
    Long position() {
        return buffered.isEmpty() ? fetchOffset : Long.valueOf(buffered.peekFirst().offset());
    }

    /** Notes a failed fetch; returns for how long fetches have been failing. */
    long failed(long nowMs, String failure) {
        if (failingSinceMs == 0) {
            failingSinceMs = nowMs;
        }
        lastFailure = failure;
        return nowMs - failingSinceMs;
    }

    void succeeded() {
        failingSinceMs = 0;
        lastFailure = null;
    }

    void seek(long offset) {
        buffered.clear();
        fetchOffset = offset;
        resetTo = null;
        retryAtMs = 0;
    }

    void requestReset(OffsetResetPolicy policy) {
        buffered.clear();
        fetchOffset = null;
        resetTo = policy;
        retryAtMs = 0;
    }
}
