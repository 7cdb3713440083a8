package io.wharf.controller;

import io.wharf.proto.controller.ControllerInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.ratis.proto.RaftProtos.LogInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;

/**
 * The quorum as this controller sees it: its own Raft role and the leader it knows, and, on
 * request, every controller's role, term and applied index (peers are probed over Ratis with a
 * short timeout; one that does not answer is "unreachable"). Thread-safe.
 */
final class ClusterView {

    private final QuorumLayout layout;
    private final RaftServer server;
    private final QuorumClient quorum;
    private final Executor probeExecutor;

    ClusterView(QuorumLayout layout, RaftServer server, QuorumClient quorum, Executor probeExecutor) {
        this.layout = layout;
        this.server = server;
        this.quorum = quorum;
        this.probeExecutor = probeExecutor;
    }

    /** This controller's Raft status, empty once its Raft division is gone (stopping or failed). */
    Optional<DivisionInfo> localInfo() {
        try {
            return Optional.of(server.getDivision(layout.group().getGroupId()).getInfo());
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** True when this controller is leader and has applied every entry of earlier terms. */
    boolean isLeaderReady() {
        return localInfo().map(DivisionInfo::isLeaderReady).orElse(false);
    }

    /** The leader this controller knows of, empty during an election. */
    Optional<QuorumVoter> leader() {
        return localInfo().flatMap(info -> layout.voter(info.getLeaderId()));
    }

    /** Every controller's status, in configuration order; probes peers in parallel. */
    CompletableFuture<List<ControllerInfo>> describeControllers() {
        List<CompletableFuture<ControllerInfo>> parts = new ArrayList<>();
        for (QuorumVoter voter : layout.voters()) {
            RaftPeerId peer = QuorumLayout.peerId(voter.id());
            if (peer.equals(layout.self())) {
                parts.add(CompletableFuture.completedFuture(describeSelf(voter)));
            } else {
                parts.add(CompletableFuture.supplyAsync(
                        () -> quorum.probe(peer).map(reply -> describePeer(voter, reply))
                                .orElseGet(() -> unreachable(voter)), probeExecutor));
            }
        }
        return CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new))
                .thenApply(done -> parts.stream().map(CompletableFuture::join).toList());
    }

    private ControllerInfo describeSelf(QuorumVoter voter) {
        return localInfo().map(info -> ControllerInfo.newBuilder()
                        .setId(voter.id())
                        .setAddress(voter.rpcAddress())
                        .setRole(roleName(info.getCurrentRole()))
                        .setTerm(info.getCurrentTerm())
                        .setAppliedIndex(info.getLastAppliedIndex())
                        .build())
                .orElseGet(() -> unreachable(voter));
    }

    private static ControllerInfo describePeer(QuorumVoter voter, GroupInfoReply reply) {
        RoleInfoProto role = reply.getRoleInfoProto();
        LogInfoProto log = reply.getLogInfoProto();
        // Ratis reports the term only for a leader; for others the term of their last log entry is
        // the best available (equal to the current term once the leader's first entry arrived).
        long term = role.hasLeaderInfo() ? role.getLeaderInfo().getTerm()
                : Math.max(log.getLastEntry().getTerm(), log.getCommitted().getTerm());
        return ControllerInfo.newBuilder()
                .setId(voter.id())
                .setAddress(voter.rpcAddress())
                .setRole(roleName(role.getRole()))
                .setTerm(term)
                .setAppliedIndex(log.getApplied().getIndex())
                .build();
    }

    private static ControllerInfo unreachable(QuorumVoter voter) {
        return ControllerInfo.newBuilder()
                .setId(voter.id())
                .setAddress(voter.rpcAddress())
                .setRole("unreachable")
                .setTerm(-1)
                .setAppliedIndex(-1)
                .build();
    }

    private static String roleName(RaftPeerRole role) {
        return switch (role) {
            case LEADER -> "leader";
            case FOLLOWER -> "follower";
            case CANDIDATE -> "candidate";
            case LISTENER -> "listener";
            default -> "unreachable";
        };
    }
}
