package io.wharf.controller;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.protocol.exceptions.TimeoutIOException;
import org.apache.ratis.server.RaftServer;

/**
 * Waits for linearizable reads by handing a read request to this controller's own Raft server,
 * in-process. With the server's linearizable read option, a leader answers within its lease and a
 * follower after a ReadIndex round with the leader, each once it has applied every entry committed
 * before the request arrived.
 *
 * <p>Why not a RaftClient sending the read to this same server: that took every read twice across
 * the loopback through Ratis's gRPC client and server (the request and the reply serialised, and
 * handed between four threads) for an answer the server in the same JVM gives directly. Under a
 * stream of admin reads, Ratis's event loops and gRPC executors were about two fifths of a
 * controller's CPU (docs/benchmarks.md, 2026-12-08). A read that fails (no leader known, a leader
 * not ready yet, a ReadIndex round that timed out) is tried again every
 * {@code quorum.retry.interval.ms} until {@code quorum.retry.max.ms}, as that RaftClient's retry
 * policy did.
 *
 * <p>Threading: thread-safe. Retry pauses run on a scheduler that the caller owns; once
 * {@link #close closed}, an attempt that a pause starts fails its read at once.
 */
final class LinearizableReads implements AutoCloseable {

    private static final Message READ_BARRIER = Message.valueOf("wharf-read-barrier");

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    private final ScheduledExecutorService retries;
    private final long attemptTimeoutMs;
    private final long retryIntervalMs;
    private final long totalTimeoutMs;
    private volatile boolean closed;

    LinearizableReads(RaftServer server, RaftGroup group, RaftPeerId self, ControllerConfig config,
            ScheduledExecutorService retries) {
        this.server = server;
        this.group = group;
        this.self = self;
        this.retries = retries;
        this.attemptTimeoutMs = config.quorumRequestTimeoutMs();
        this.retryIntervalMs = Math.max(1, config.quorumRetryIntervalMs());
        this.totalTimeoutMs = config.quorumRetryMaxMs();
    }

    /**
     * Completes once this controller has applied everything committed before the call. Fails with a
     * {@link TimeoutIOException} carrying the last attempt's failure when no attempt succeeded
     * within {@code quorum.retry.max.ms}, or with an IOException once the controller is stopping.
     */
    CompletableFuture<Void> await() {
        CompletableFuture<Void> result = new CompletableFuture<>();
        attempt(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(totalTimeoutMs), result, null);
        return result;
    }

    private void attempt(long deadlineNs, CompletableFuture<Void> result, Throwable lastFailure) {
        if (closed) {
            result.completeExceptionally(new IOException("controller " + self + " is stopping", lastFailure));
            return;
        }
        if (System.nanoTime() - deadlineNs > 0) {
            result.completeExceptionally(new TimeoutIOException("controller " + self
                    + " could not confirm a linearizable read within " + totalTimeoutMs + " ms; last attempt: "
                    + lastFailure, lastFailure));
            return;
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(self)
                .setGroupId(group.getGroupId())
                .setCallId(callIds.incrementAndGet())
                .setMessage(READ_BARRIER)
                .setType(RaftClientRequest.readRequestType())
                .build();
        send(request).orTimeout(attemptTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((reply, failure) -> {
            if (failure == null && reply.isSuccess()) {
                result.complete(null);
                return;
            }
            Throwable problem = failure != null ? unwrap(failure) : reply.getException();
            if (problem instanceof StateMachineException) {
                // The state machine's own answer to the barrier failed: a bug, not a passing state.
                result.completeExceptionally(problem);
                return;
            }
            retryLater(deadlineNs, result, problem);
        });
    }

    private CompletableFuture<RaftClientReply> send(RaftClientRequest request) {
        try {
            return server.submitClientRequestAsync(request);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void retryLater(long deadlineNs, CompletableFuture<Void> result, Throwable lastFailure) {
        try {
            retries.schedule(() -> attempt(deadlineNs, result, lastFailure), retryIntervalMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException stopping) {
            result.completeExceptionally(new IOException("controller " + self + " is stopping", lastFailure));
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public void close() {
        closed = true;
    }
}
