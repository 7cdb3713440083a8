package io.wharf.controller;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * {@link #close} releases; {@link QuorumRetries} repeats the attempts.
 */
final class LeaderDirectedWrites implements AutoCloseable {

    private final RaftServer server;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final RaftClient transport;
    private final ClientId clientId;
    private final AtomicLong callIds = new AtomicLong();
    private final QuorumRetries retries;
    private final long attemptTimeoutMs;

    LeaderDirectedWrites(RaftServer server, RaftGroup group, RaftPeerId self, ControllerConfig config,
            QuorumRetries retries) {
        this.server = server;
        this.group = group;
        this.self = self;
        this.clientId = ClientId.randomId();
        this.attemptTimeoutMs = config.quorumRequestTimeoutMs();
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
     * replicating it, or as {@link QuorumRetries#run} does when no leader committed it within
     * {@code quorum.retry.max.ms}.
     */
    CompletableFuture<RaftClientReply> submit(Message message) {
        long callId = callIds.incrementAndGet();
        return retries.run(() -> knownLeader().map(leader -> attempt(message, callId, leader)), "commit the command");
    }

    private CompletableFuture<RaftClientReply> attempt(Message message, long callId, RaftPeerId leader) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(leader)
                .setGroupId(group.getGroupId())
                .setCallId(callId)
                .setMessage(message)
                .setType(RaftClientRequest.writeRequestType())
                .build();
        return send(request).orTimeout(attemptTimeoutMs, TimeUnit.MILLISECONDS).whenComplete((reply, failure) -> {
            if (failure != null && !leader.equals(self)) {
                // A broken stream to that peer is re-opened on the next attempt.
                transport.getClientRpc().handleException(leader, QuorumRetries.unwrap(failure), true);
            }
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

    /** The leader this node's Raft server knows, empty during an election or while it is not running. */
    private Optional<RaftPeerId> knownLeader() {
        try {
            return Optional.ofNullable(server.getDivision(group.getGroupId()).getInfo().getLeaderId());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    @Override
    public void close() throws IOException {
        transport.close();
    }
}
