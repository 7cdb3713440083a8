package io.wharf.controller;

import java.io.IOException;
import org.apache.ratis.proto.RaftProtos.RaftGroupIdProto;
import org.apache.ratis.proto.RaftProtos.RaftRpcRequestProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionReplyProto;
import org.apache.ratis.proto.RaftProtos.StartLeaderElectionRequestProto;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;

/**
 * Makes this controller's Raft server stand for election now, without waiting for its election
 * timer, once its leader is known to be gone.
 *
 * <p>Ratis has no public "elect now" call for a follower; its only way in is the request a leader
 * sends when it hands leadership over (StartLeaderElection, used by {@code transferLeadership}).
 * This class delivers that request to the local server in the dead leader's name. Ratis accepts it
 * only while this server still follows that leader in the same term and its log is at least as
 * long as the one the request names (we name this server's own last entry), and then starts an
 * ordinary election: the other voters still vote by Raft's rules (up-to-date log, one vote per
 * term), so this changes when an election starts, never who may win it. Thread-safe.
 */
final class ImmediateElection {

    private final RaftServer server;
    private final RaftGroupId groupId;
    private final RaftPeerId self;

    ImmediateElection(RaftServer server, RaftGroupId groupId, RaftPeerId self) {
        this.server = server;
        this.groupId = groupId;
        this.self = self;
    }

    /**
     * Starts an election if this server still follows {@code deadLeader}.
     *
     * @return true when the election started; false when the state moved on (another election
     *         began, a new leader is known) or this server's log has no entry of the current term
     *         yet, in which case the election timer decides as usual
     * @throws IOException when the Raft server refused the request outright (it is not running)
     */
    boolean startIfStillFollowing(RaftPeerId deadLeader) throws IOException {
        RaftServer.Division division = server.getDivision(groupId);
        DivisionInfo info = division.getInfo();
        TermIndex last = division.getRaftLog().getLastEntryTermIndex();
        if (!info.isFollower() || !deadLeader.equals(info.getLeaderId())
                || last == null || last.getTerm() != info.getCurrentTerm()) {
            return false;
        }
        StartLeaderElectionRequestProto request = StartLeaderElectionRequestProto.newBuilder()
                .setServerRequest(RaftRpcRequestProto.newBuilder()
                        .setRequestorId(deadLeader.toByteString())
                        .setReplyId(self.toByteString())
                        .setRaftGroupId(RaftGroupIdProto.newBuilder().setId(groupId.toByteString())))
                .setLeaderLastEntry(last.toProto())
                .build();
        StartLeaderElectionReplyProto reply = server.startLeaderElection(request);
        return reply.getServerReply().getSuccess();
    }
}
