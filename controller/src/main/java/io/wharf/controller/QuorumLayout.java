package io.wharf.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * The Ratis view of the configured voters: the group, its peers, and the mapping between a
 * controller's node id and its Raft peer id ({@code c<id>}). Immutable.
 */
final class QuorumLayout {

    private static final String PEER_PREFIX = "c";

    private final RaftGroup group;
    private final RaftPeerId self;
    private final List<QuorumVoter> voters;

    QuorumLayout(ControllerConfig config) {
        List<RaftPeer> peers = new ArrayList<>();
        for (QuorumVoter voter : config.voters()) {
            peers.add(RaftPeer.newBuilder().setId(peerId(voter.id())).setAddress(voter.raftAddress()).build());
        }
        this.group = RaftGroup.valueOf(RaftGroupId.valueOf(config.clusterId()), peers);
        this.self = peerId(config.nodeId());
        this.voters = config.voters();
    }

    /** The Raft peer id of controller {@code nodeId}. */
    static RaftPeerId peerId(int nodeId) {
        return RaftPeerId.valueOf(PEER_PREFIX + nodeId);
    }

    RaftGroup group() {
        return group;
    }

    RaftPeerId self() {
        return self;
    }

    List<QuorumVoter> voters() {
        return voters;
    }

    /** The voter behind a Raft peer id, empty for an id this configuration does not know. */
    Optional<QuorumVoter> voter(RaftPeerId peer) {
        if (peer == null) {
            return Optional.empty();
        }
        return voters.stream().filter(voter -> peerId(voter.id()).equals(peer)).findFirst();
    }
}
