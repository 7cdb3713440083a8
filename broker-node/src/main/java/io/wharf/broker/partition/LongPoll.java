package io.wharf.broker.partition;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * One long-polling request until it is answered: evaluated at once, then again whenever one of
 * the watched partitions changes (new data, HW move, role change), and a last time at its
 * deadline, whatever it found. Thread-safe: evaluations run on the starting thread, on the
 * thread that changed a watched partition, or on the given executor at the deadline (the only
 * timer a poll schedules); {@code done} makes the answer happen once.
 *
 * @param <T> the response type
 */
public final class LongPoll<T> {

    /** One evaluation: the response as it stands, and whether it may be sent now. */
    public record Attempt<T>(T response, boolean ready) {
    }

    private final ScheduledExecutorService executor;
    private final Supplier<Attempt<T>> evaluate;
    private final CompletableFuture<T> answer = new CompletableFuture<>();
    private final AtomicBoolean done = new AtomicBoolean();
    private final List<Partition> watched = new ArrayList<>();   // guarded by this
    private final List<Runnable> wakers = new ArrayList<>();      // guarded by this
    private volatile ScheduledFuture<?> deadline;

    private LongPoll(ScheduledExecutorService executor, Supplier<Attempt<T>> evaluate) {
        this.executor = executor;
        this.evaluate = evaluate;
    }

    /**
     * Starts a request that waits at most {@code maxWaitMs} (0: answer at once) for
     * {@code evaluate} to be ready, re-evaluating when a partition of {@code watch} changes.
     */
    public static <T> CompletableFuture<T> start(ScheduledExecutorService executor, List<Partition> watch, long maxWaitMs,
                                          Supplier<Attempt<T>> evaluate) {
        LongPoll<T> poll = new LongPoll<>(executor, evaluate);
        poll.begin(watch, maxWaitMs);
        return poll.answer;
    }

    private void begin(List<Partition> watch, long maxWaitMs) {
        if (maxWaitMs > 0) {
            // Watch before the first evaluation, so a change between the two is not missed.
            synchronized (this) {
                for (Partition partition : watch) {
                    Runnable waker = () -> wake(partition);
                    watched.add(partition);
                    wakers.add(waker);
                    partition.onNextChange(waker);
                }
            }
        }
        Attempt<T> first = evaluateSafely();
        if (first == null) {
            return;
        }
        if (maxWaitMs <= 0 || first.ready()) {
            complete(first.response());
            return;
        }
        try {
            deadline = executor.schedule(this::finish, maxWaitMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            complete(first.response());
            return;
        }
        if (done.get()) {
            deadline.cancel(false);
        }
    }

    private void finish() {
        Attempt<T> last = evaluateSafely();
        if (last != null) {
            complete(last.response());
        }
    }

    /**
     * Runs on the thread that changed the partition, right after the change and outside the
     * partition's monitor, as Kafka's purgatory completes delayed operations on the appending
     * thread: a follower waiting for data gets it without another thread's hand-off.
     */
    private void wake(Partition partition) {
        // Re-arm before evaluating: a change that lands during the evaluation then wakes this
        // poll again, instead of finding no listener and leaving it parked until its deadline.
        // At worst that costs one more evaluation.
        synchronized (this) {
            int index = watched.indexOf(partition);
            if (index < 0 || done.get()) {
                return;
            }
            partition.onNextChange(wakers.get(index));
        }
        Attempt<T> now = evaluateSafely();
        if (now != null && now.ready()) {
            complete(now.response());
        }
    }

    /** Evaluates; a failure (a bug) fails the answer and ends the poll. */
    private Attempt<T> evaluateSafely() {
        try {
            return evaluate.get();
        } catch (RuntimeException e) {
            if (done.compareAndSet(false, true)) {
                unwatch();
                answer.completeExceptionally(e);
            }
            return null;
        }
    }

    private void complete(T response) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        ScheduledFuture<?> timer = deadline;
        if (timer != null) {
            timer.cancel(false);
        }
        unwatch();
        answer.complete(response);
    }

    private void unwatch() {
        synchronized (this) {
            for (int i = 0; i < watched.size(); i++) {
                watched.get(i).removeChangeListener(wakers.get(i));
            }
        }
    }
}
