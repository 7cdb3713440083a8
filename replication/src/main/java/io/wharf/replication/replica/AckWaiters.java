package io.wharf.replication.replica;

import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Produce requests with {@code acks=all} waiting for the high watermark to pass their last
 * offset. Each wait completes when the HW reaches its required offset, or fails with
 * REQUEST_TIMED_OUT at its deadline or with the given code when leadership is lost.
 *
 * <p>Not thread-safe: owned by one partition, whose lock callers hold. No method completes a
 * future itself: each hands back the completions to run, so that callers run them after
 * releasing their lock (a future's continuations serialize and send a response, which must not
 * happen under a partition's monitor).
 */
public final class AckWaiters {

    private record Waiter(long requiredOffset, long deadlineMs, long sequence, CompletableFuture<Long> future) {
    }

    private static final Comparator<Waiter> BY_OFFSET = Comparator.comparingLong(Waiter::requiredOffset)
            .thenComparingLong(Waiter::sequence);
    private static final Comparator<Waiter> BY_DEADLINE = Comparator.comparingLong(Waiter::deadlineMs)
            .thenComparingLong(Waiter::sequence);

    private final TreeSet<Waiter> byOffset = new TreeSet<>(BY_OFFSET);
    private final TreeSet<Waiter> byDeadline = new TreeSet<>(BY_DEADLINE);
    private long nextSequence;

    /**
     * Waits until the high watermark is at least {@code requiredOffset} (the offset just past the
     * produced batch); the future yields the high watermark that satisfied it.
     */
    public CompletableFuture<Long> await(long requiredOffset, long deadlineMs) {
        CompletableFuture<Long> future = new CompletableFuture<>();
        Waiter waiter = new Waiter(requiredOffset, deadlineMs, nextSequence++, future);
        byOffset.add(waiter);
        byDeadline.add(waiter);
        return future;
    }

    /** Removes every wait whose required offset is at or below {@code highWatermark}; returns their completions. */
    public List<Runnable> completeUpTo(long highWatermark) {
        List<Runnable> completions = new ArrayList<>();
        while (!byOffset.isEmpty() && byOffset.first().requiredOffset() <= highWatermark) {
            Waiter waiter = byOffset.pollFirst();
            byDeadline.remove(waiter);
            completions.add(() -> waiter.future().complete(highWatermark));
        }
        return completions;
    }

    /** Removes every wait whose deadline is at or before {@code nowMs}; returns their REQUEST_TIMED_OUT failures. */
    public List<Runnable> expire(long nowMs, long highWatermark) {
        List<Runnable> completions = new ArrayList<>();
        while (!byDeadline.isEmpty() && byDeadline.first().deadlineMs() <= nowMs) {
            Waiter waiter = byDeadline.pollFirst();
            byOffset.remove(waiter);
            ReplicationException timedOut = new ReplicationException(ErrorCode.REQUEST_TIMED_OUT,
                    "the in-sync replicas did not reach offset " + waiter.requiredOffset()
                            + " within the request timeout (high watermark " + highWatermark + ")");
            completions.add(() -> waiter.future().completeExceptionally(timedOut));
        }
        return completions;
    }

    /** Removes every wait; returns their failures with {@code code} (leadership lost, replica closed). */
    public List<Runnable> failAll(ErrorCode code, String message) {
        List<Runnable> completions = new ArrayList<>();
        ReplicationException failure = new ReplicationException(code, message);
        for (Waiter waiter : byOffset) {
            completions.add(() -> waiter.future().completeExceptionally(failure));
        }
        byOffset.clear();
        byDeadline.clear();
        return completions;
    }

    /** How many waits are pending. */
    public int size() {
        return byOffset.size();
    }

    /** The earliest deadline among pending waits, or {@link Long#MAX_VALUE} when none. */
    public long nextDeadlineMs() {
        return byDeadline.isEmpty() ? Long.MAX_VALUE : byDeadline.first().deadlineMs();
    }
}
