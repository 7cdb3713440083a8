package io.wharf.replication.replica;

import io.wharf.proto.common.ErrorCode;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;

/**
 * Produce requests with {@code acks=all} waiting for the high watermark to pass their last
 * offset. Each wait completes when the HW reaches its required offset, or fails with
 * REQUEST_TIMED_OUT at its deadline or with the given code when leadership is lost.
 *
 * <p>Not thread-safe: owned by one partition, whose lock callers hold. Futures complete on the
 * calling thread, so callers must not run long work in their continuations.
 */
public final class AckWaiters {

    private record Waiter(long requiredOffset, long deadlineMs, CompletableFuture<Long> future) {
    }

    private final PriorityQueue<Waiter> byOffset =
            new PriorityQueue<>((a, b) -> Long.compare(a.requiredOffset(), b.requiredOffset()));

    /**
     * Waits until the high watermark is at least {@code requiredOffset} (the offset just past the
     * produced batch); the future yields the high watermark that satisfied it.
     */
    public CompletableFuture<Long> await(long requiredOffset, long deadlineMs) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        byOffset.add(new Waiter(requiredOffset, deadlineMs, future));
        return future;
    }

    /** Completes every wait whose required offset is at or below {@code highWatermark}. */
    public int completeUpTo(long highWatermark) {
        int completed = 0;
        while (!byOffset.isEmpty() && byOffset.peek().requiredOffset() <= highWatermark) {
            byOffset.poll().future().complete(highWatermark);
            completed++;
        }
        return completed;
    }

    /** Fails with REQUEST_TIMED_OUT every wait whose deadline is at or before {@code nowMs}. */
    public int expire(long nowMs, long highWatermark) {
        int expired = 0;
        var it = byOffset.iterator();
        while (it.hasNext()) {
            Waiter waiter = it.next();
            if (waiter.deadlineMs() <= nowMs) {
                it.remove();
                waiter.future().completeExceptionally(new ReplicationException(ErrorCode.REQUEST_TIMED_OUT,
                        "the in-sync replicas did not reach offset " + waiter.requiredOffset()
                                + " within the request timeout (high watermark " + highWatermark + ")"));
                expired++;
            }
        }
        return expired;
    }

    /** Fails every wait with {@code code} (leadership lost, replica closed). */
    public void failAll(ErrorCode code, String message) {
        while (!byOffset.isEmpty()) {
            byOffset.poll().future().completeExceptionally(new ReplicationException(code, message));
        }
    }

    /** How many waits are pending. */
    public int size() {
        return byOffset.size();
    }

    /** The earliest deadline among pending waits, or {@link Long#MAX_VALUE} when none. */
    public long nextDeadlineMs() {
        long next = Long.MAX_VALUE;
        for (Waiter waiter : byOffset) {
            next = Math.min(next, waiter.deadlineMs());
        }
        return next;
    }
}
