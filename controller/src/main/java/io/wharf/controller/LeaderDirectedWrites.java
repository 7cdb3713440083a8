package io.wharf.controller;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
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
 * Commits controller commands by sending every attempt straight to the controller that this
 * node's own Raft server names as leader, in-process when that is this node.
 *
 * <p>Why not a RaftClient: one that meets a dead or not-yet-ready leader tries the peers at random
 * and re-opens its stream to each, which cost 100–200 ms after every controller failover
 * (measured), while the local Raft server already knows the new leader the moment it is elected.
 * Exactly-once is kept the way RaftClient keeps it: every attempt of one command carries the same
 * client id and call id, and Ratis's retry cache, filled on every server as entries are applied,
 * answers a retry of an already committed command with its first reply. A leader answers only once
 * it has applied all earlier entries (before that it says "not ready"), so a retry cannot slip past
 * the record of its own first attempt.
 *
 * <p>Threading: thread-safe. Owns the transport client used for attempts at a remote leader, which
 * {@link #close} releases; retry pauses run on a scheduler that the caller owns, and once closed an
 * attempt that a pause starts fails its command at once.
 */
final class LeaderDirectedWrites implements AutoCloseable {

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final RaftClient transport;
    private final ClientId clientId;
    private final AtomicLong callIds = new AtomicLong();
    private final ScheduledExecutorService retries;
    private final long attemptTimeoutMs;
    private final long retryIntervalMs;
    private final long totalTimeoutMs;
    private volatile boolean closed;

    LeaderDirectedWrites(RaftServer server, RaftGroup group, RaftPeerId self, ControllerConfig config,
            ScheduledExecutorService retries) {
        this.server = server;
        this.group = group;
        this.self = self;
        this.clientId = ClientId.randomId();
        this.attemptTimeoutMs = config.quorumRequestTimeoutMs();
        this.retryIntervalMs = Math.max(1, config.quorumRetryIntervalMs());
        this.totalTimeoutMs = config.quorumRetryMaxMs();
        this.transport = RaftClient.newBuilder()
                .setClientId(clientId)
                .setRaftGroup(group)
                .setProperties(RaftSettings.clientProperties(config, attemptTimeoutMs))
                .build();
        this.retries = retries;
    }

    /**
     * Commits {@code message} as one log entry and completes with the leader's successful reply.
     * Fails with the {@link StateMachineException} of a leader that refused the command before
     * replicating it, or a {@link TimeoutIOException} (carrying the last attempt's failure) when no
     * leader committed it within {@code quorum.retry.max.ms}.
     */
    CompletableFuture<RaftClientReply> submit(Message message) {
        CompletableFuture<RaftClientReply> result = new CompletableFuture<>();
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(totalTimeoutMs);
        attempt(message, callIds.incrementAndGet(), deadlineNs, result, null);
        return result;
    }

    private void attempt(Message message, long callId, long deadlineNs, CompletableFuture<RaftClientReply> result,
            Throwable lastFailure) {
        if (closed) {
            result.completeExceptionally(new IOException("controller " + self + " is stopping", lastFailure));
            return;
        }
        if (System.nanoTime() - deadlineNs > 0) {
            result.completeExceptionally(new TimeoutIOException("no controller leader committed the command within "
                    + totalTimeoutMs + " ms; last attempt: " + lastFailure, lastFailure));
            return;
        }
        Optional<RaftPeerId> leader = knownLeader();
        if (leader.isEmpty()) {
            retryLater(message, callId, deadlineNs, result, lastFailure);
            return;
        }
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(leader.get())
                .setGroupId(group.getGroupId())
                .setCallId(callId)
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        send(request).orTimeout(attemptTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((reply, failure) -> {
            if (failure == null && reply.isSuccess()) {
                result.complete(reply);
                return;
            }
            Throwable problem = failure != null ? unwrap(failure) : reply.getException();
            if (problem instanceof StateMachineException) {
                result.completeExceptionally(problem);
                return;
            }
            if (failure != null && !leader.get().equals(self)) {
                // A broken stream to that peer is re-opened on the next attempt.
                transport.getClientRpc().handleException(leader.get(), problem, true);
            }
            retryLater(message, callId, deadlineNs, result, problem);
        });
    }

    private CompletableFuture<RaftClientReply> send(RaftClientRequest request) {
        try {
            return request.getServerId().equals(self)
                    ? server.submitClientRequestAsync(request)
                    : transport.getClientRpc().sendRequestAsyncUnordered(request);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private void retryLater(Message message, long callId, long deadlineNs, CompletableFuture<RaftClientReply> result,
            Throwable lastFailure) {
        try {
            retries.schedule(() -> attempt(message, callId, deadlineNs, result, lastFailure),
                    retryIntervalMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            result.completeExceptionally(new IOException("controller " + self + " is stopping", lastFailure));
        }
    }

    /** The leader this node's Raft server knows, empty during an election or while it is not running. */
    private Optional<RaftPeerId> knownLeader() {
        try {
            return Optional.ofNullable(server.getDivision(group.getGroupId()).getInfo().getLeaderId());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
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
    public void close() throws IOException {
        closed = true;
        transport.close();
    }
}
