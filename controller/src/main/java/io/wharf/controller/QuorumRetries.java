package io.wharf.controller;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;

/**
 * Repeats attempts at one Raft request, every {@code quorum.retry.interval.ms}, until one is
 * answered with success, one is refused by the state machine (a {@link StateMachineException}: no
 * retry changes that), {@code quorum.retry.max.ms} has passed, or the controller stops. What an
 * attempt sends, to whom and with what timeout is the caller's ({@link LeaderDirectedWrites},
 * {@link LinearizableReads}); the loop is this class's.
 *
 * <p>Threading: thread-safe. Owns the one thread on which attempts wait between tries;
 * {@link #close} stops it, and an attempt that a pause starts after that fails at once.
 */
final class QuorumRetries implements AutoCloseable {

    private final RaftPeerId self;
    private final ScheduledExecutorService pauses;
    private final long retryIntervalMs;
    private final long totalTimeoutMs;
    private volatile boolean closed;

    QuorumRetries(RaftPeerId self, ControllerConfig config) {
        this.self = self;
        this.retryIntervalMs = Math.max(1, config.quorumRetryIntervalMs());
        this.totalTimeoutMs = config.quorumRetryMaxMs();
        this.pauses = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + config.nodeId() + "-quorum-retries");
            thread.setDaemon(true);
            return thread;
        });
    }

    /**
     * Runs {@code attempt} until it succeeds or the retries end. An attempt returns the reply of the
     * request it sent, or empty when there is nowhere to send it yet (no leader known), which counts
     * as a failed attempt. Fails with the {@link StateMachineException} of a refusal, a
     * {@link TimeoutIOException} naming {@code action} and carrying the last failure once
     * {@code quorum.retry.max.ms} passed, or an IOException once the controller is stopping.
     */
    CompletableFuture<RaftClientReply> run(Supplier<Optional<CompletableFuture<RaftClientReply>>> attempt, String action) {
        CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
        next(attempt, action, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(totalTimeoutMs), result, null);
        return result;
    }

    private void next(Supplier<Optional<CompletableFuture<RaftClientReply>>> attempt, String action, long deadlineNs,
            CompletableFuture<RaftClientReply> result, Throwable lastFailure) {
        if (closed) {
            result.completeExceptionally(stopping(lastFailure));
            return;
        }
        if (System.nanoTime() - deadlineNs > 0) {
            result.completeExceptionally(new TimeoutIOException("controller " + self + " could not " + action
                    + " within " + totalTimeoutMs + " ms; last attempt: " + lastFailure, lastFailure));
            return;
        }
        Optional<CompletableFuture<RaftClientReply>> sent;
        try {
            sent = attempt.get();
        } catch (RuntimeException e) {
            sent = Optional.of(CompletableFuture.failedFuture(e));
        }
        if (sent.isEmpty()) {
            pause(attempt, action, deadlineNs, result, lastFailure);
            return;
        }
        sent.get().whenComplete((reply, failure) -> {
            if (failure == null && reply.isSuccess()) {
                result.complete(reply);
                return;
            }
            Throwable problem = failure != null ? unwrap(failure) : reply.getException();
            if (problem instanceof StateMachineException) {
                result.completeExceptionally(problem);
                return;
            }
            pause(attempt, action, deadlineNs, result, problem);
        });
    }

    private void pause(Supplier<Optional<CompletableFuture<RaftClientReply>>> attempt, String action, long deadlineNs,
            CompletableFuture<RaftClientReply> result, Throwable lastFailure) {
        try {
            pauses.schedule(() -> next(attempt, action, deadlineNs, result, lastFailure), retryIntervalMs,
                    TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopped) {
            result.completeExceptionally(stopping(lastFailure));
        }
    }

    private IOException stopping(Throwable lastFailure) {
        return new IOException("controller " + self + " is stopping", lastFailure);
    }

    /** The failure inside the wrappers that futures add. */
    static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() {
        closed = true;
        // Pauses already scheduled still run, and fail their request at once.
        pauses.shutdown();
        try {
            if (!pauses.awaitTermination(2 * retryIntervalMs + 1000, TimeUnit.MILLISECONDS)) {
                pauses.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            pauses.shutdownNow();
        }
    }
}
