package io.wharf.controller;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This controller's way into the quorum: submits commands (through {@link LeaderDirectedWrites},
 * straight to the leader the local Raft server knows, exactly once thanks to the servers' retry
 * cache), waits for linearizable reads (through {@link LinearizableReads}, in-process on the local
 * Raft server), probes peers, and asks for snapshots and leadership transfers. Thread-safe. Owns
 * the {@link QuorumRetries} that repeats both writes and reads.
 */
final class QuorumClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QuorumClient.class);

    private final ControllerConfig config;
    private final RaftGroup group;
    private final RaftPeerId self;
    private final RaftClient probes;
    private final RaftClient admin;
    private final ControllerMetrics metrics;
    private volatile LeaderDirectedWrites writes;
    private volatile LinearizableReads reads;
    private volatile QuorumRetries retries;

    /** @param metrics records how long each submitted command took */
    QuorumClient(ControllerConfig config, RaftGroup group, RaftPeerId self, ControllerMetrics metrics) {
        this.config = config;
        this.metrics = metrics;
        this.group = group;
        this.self = self;
        // One attempt each: a peer that does not answer quickly is reported as unreachable.
        this.probes = RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(group)
                .setLeaderId(self)
                .setProperties(RaftSettings.clientProperties(config, config.peerProbeTimeoutMs()))
                .setRetryPolicy(RetryPolicies.noRetry())
                .build();
        // Administrative calls on this controller itself (snapshot, leadership transfer) may take a while.
        this.admin = RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(group)
                .setLeaderId(self)
                .setProperties(RaftSettings.clientProperties(config, config.quorumRetryMaxMs()))
                .setRetryPolicy(RetryPolicies.noRetry())
                .build();
    }

    /**
     * Commits {@code command} through the quorum and returns what applying it answered.
     * Fails with a {@link QuorumException}: CONTROLLER_UNAVAILABLE when no leader committed it
     * within {@code quorum.retry.max.ms}, INVALID_REQUEST when the leader refused it before
     * replicating. Its time from here until the outcome goes to {@link ControllerMetrics#recordCommand}.
     */
    CompletableFuture<CommandResult> submit(ControllerCommand command) {
        LeaderDirectedWrites directed = writes;
        if (directed == null) {
            return CompletableFuture.failedFuture(new QuorumException(ErrorCode.CONTROLLER_UNAVAILABLE,
                    "controller " + self + " has not started its Raft server yet; retry", null));
        }
        long startNs = System.nanoTime();
        Message message = Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray()));
        CompletableFuture<RaftClientReply> reply = directed.submit(message)
                .whenComplete((answer, failure) -> metrics.recordCommand(System.nanoTime() - startNs));
        return reply.handle((answer, failure) -> {
            if (failure != null) {
                throw new CompletionException(toQuorumException("commit " + command.getCommandCase(), failure));
            }
            if (!answer.isSuccess()) {
                throw new CompletionException(toQuorumException("commit " + command.getCommandCase(),
                        answer.getException()));
            }
            return parseResult(answer);
        });
    }

    /**
     * Lets {@link #submit} send commands to the leader {@code server} knows and
     * {@link #awaitLinearizableRead} ask {@code server} itself; call once, before the server starts
     * (leader duties may submit as soon as it does).
     */
    void attach(RaftServer server) {
        if (writes != null) {
            throw new IllegalStateException("controller " + self + " already attached its Raft server");
        }
        retries = new QuorumRetries(self, config);
        reads = new LinearizableReads(server, group, self, config, retries);
        writes = new LeaderDirectedWrites(server, group, self, config, retries);
    }

    /**
     * Completes once this controller has applied everything committed before the call (a Ratis
     * ReadIndex round through the leader), so an answer read from the local image afterwards is
     * never older than a write that completed before the read began.
     */
    CompletableFuture<Void> awaitLinearizableRead() {
        LinearizableReads local = reads;
        if (local == null) {
            return CompletableFuture.failedFuture(new QuorumException(ErrorCode.CONTROLLER_UNAVAILABLE,
                    "controller " + self + " has not started its Raft server yet; retry", null));
        }
        return local.await().handle((ignored, failure) -> {
            if (failure != null) {
                throw new CompletionException(toQuorumException("confirm a linearizable read", failure));
            }
            return null;
        });
    }

    /** The Raft status of {@code peer}, empty when it does not answer within the probe timeout. */
    Optional<GroupInfoReply> probe(RaftPeerId peer) {
        try {
            return Optional.of(probes.getGroupManagementApi(peer).info(group.getGroupId()));
        } catch (IOException | RuntimeException e) {
            LOG.debug("Controller {} did not answer a status probe: {}", peer, e.toString());
            return Optional.empty();
        }
    }

    /**
     * Asks this controller (the leader) to hand leadership to {@code target}.
     *
     * @return true when {@code target} became leader within {@code timeoutMs}
     */
    boolean transferLeadership(RaftPeerId target, long timeoutMs) {
        try {
            RaftClientReply reply = admin.admin().transferLeadership(target, self, timeoutMs);
            return reply.isSuccess();
        } catch (IOException | RuntimeException e) {
            LOG.warn("Leadership transfer to {} failed: {}", target, e.toString());
            return false;
        }
    }

    /**
     * Makes this controller take a snapshot now, however few entries arrived since the last one.
     *
     * @return the log index of the newest snapshot
     * @throws IOException when the snapshot could not be taken within {@code timeoutMs}
     */
    long takeSnapshot(long timeoutMs) throws IOException {
        RaftClientReply reply = admin.getSnapshotManagementApi(self).create(1, timeoutMs);
        if (!reply.isSuccess()) {
            throw new IOException("controller " + self + " could not take a snapshot", reply.getException());
        }
        return reply.getLogIndex();
    }

    private static CommandResult parseResult(RaftClientReply reply) {
        try {
            return CommandResult.parseFrom(reply.getMessage().getContent().toByteArray());
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("the state machine answered bytes that are not a CommandResult", e);
        }
    }

    private QuorumException toQuorumException(String action, Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof QuorumException quorumException) {
            return quorumException;
        }
        if (cause instanceof StateMachineException) {
            Throwable refusal = cause.getCause() != null ? cause.getCause() : cause;
            return new QuorumException(ErrorCode.INVALID_REQUEST, "the controller leader refused the command: "
                    + refusal.getMessage(), cause);
        }
        return new QuorumException(ErrorCode.CONTROLLER_UNAVAILABLE, "the controller quorum could not " + action
                + " within " + config.quorumRetryMaxMs() + " ms (no leader reachable?); retry later: " + cause, cause);
    }

    @Override
    public void close() throws IOException {
        LeaderDirectedWrites directed = writes;
        QuorumRetries pauses = retries;
        try (RaftClient p = probes; RaftClient a = admin) {
            if (pauses != null) {
                pauses.close();
            }
            if (directed != null) {
                directed.close();
            }
        }
    }
}
