package io.wharf.broker.partition;

import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.replica.AckWaiters;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The acks=all produces waiting on one led partition, and their deadline: one timer per
 * partition, armed for the earliest pending deadline and removed when no wait is left, instead
 * of one scheduled task per request. Later requests carry later deadlines, so it rarely
 * reschedules. Like {@link AckWaiters}, every method hands back the completions to run after the
 * caller left its monitor.
 *
 * <p>Not thread-safe: guarded by the owning {@link Partition}'s monitor.
 */
final class AckPurgatory {

    private final ScheduledExecutorService timer;
    private final Clock clock;
    private final Runnable onDeadline;
    private AckWaiters waiters;               // null while not leading
    private ScheduledFuture<?> armed;         // armed for armedDeadline while waits are pending
    private long armedDeadline = Long.MAX_VALUE;

    /** @param onDeadline run by {@code timer} at the earliest deadline; it calls {@link #expire} under the monitor */
    AckPurgatory(ScheduledExecutorService timer, Clock clock, Runnable onDeadline) {
        this.timer = timer;
        this.clock = clock;
        this.onDeadline = onDeadline;
    }

    /** Starts taking waits (leadership taken). */
    void open() {
        waiters = new AckWaiters();
        rearm();
    }

    /** Stops taking waits (leadership lost, replica closed): the pending ones fail with {@code code}. */
    List<Runnable> close(ErrorCode code, String why) {
        List<Runnable> failed = waiters == null ? List.of() : waiters.failAll(code, why);
        waiters = null;
        rearm();
        return failed;
    }

    /** Waits until the high watermark reaches {@code requiredOffset}; see {@link AckWaiters#await}. */
    CompletableFuture<Long> await(long requiredOffset, long deadlineMs) {
        CompletableFuture<Long> wait = waiters.await(requiredOffset, deadlineMs);
        rearm();
        return wait;
    }

    /** The waits the high watermark passed. */
    List<Runnable> completeUpTo(long highWatermark) {
        if (waiters == null) {
            return List.of();
        }
        List<Runnable> completed = waiters.completeUpTo(highWatermark);
        rearm();
        return completed;
    }

    /** The waits whose deadline passed, failed with REQUEST_TIMED_OUT; re-arms for the next deadline. */
    List<Runnable> expire(long highWatermark) {
        armed = null;
        armedDeadline = Long.MAX_VALUE;
        if (waiters == null) {
            return List.of();
        }
        List<Runnable> expired = waiters.expire(clock.millis(), highWatermark);
        rearm();
        return expired;
    }

    private void rearm() {
        long next = waiters == null ? Long.MAX_VALUE : waiters.nextDeadlineMs();
        if (next == armedDeadline) {
            return;
        }
        if (armed != null) {
            if (next > armedDeadline && next != Long.MAX_VALUE) {
                return;  // fires earlier than needed and re-arms then
            }
            armed.cancel(false);
            armed = null;
            armedDeadline = Long.MAX_VALUE;
        }
        if (next == Long.MAX_VALUE) {
            return;
        }
        try {
            armed = timer.schedule(onDeadline, Math.max(0, next - clock.millis()) + 1, TimeUnit.MILLISECONDS);
            armedDeadline = next;
        } catch (RejectedExecutionException e) {
            // The broker is stopping: closing the partition fails the waits.
        }
    }
}
