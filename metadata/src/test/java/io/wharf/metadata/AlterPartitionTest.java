package io.wharf.metadata;

import static io.wharf.metadata.Commands.alterPartition;
import static io.wharf.metadata.Commands.createTopic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlterPartitionTest {

    private Cluster cluster;
    private PartitionState p;
    private int leader;
    private int follower;
    private int third;

    @BeforeEach
    void topicWithThreeReplicas() {
        cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopic("t", 1, 3));
        p = cluster.partition("t", 0);
        leader = p.leader();
        follower = p.replicas().get(1);
        third = p.replicas().get(2);
    }

    private CommandOutcome alter(int broker, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
        return cluster.run(alterPartition(broker, cluster.epoch(broker), "t", 0, leaderEpoch, partitionEpoch, isr));
    }

    @Test
    void leaderShrinksAndExpandsTheIsr() {
        CommandOutcome shrink = alter(leader, 0, 0, List.of(leader, follower));
        assertTrue(!shrink.hasErrors(), shrink.toString());
        PartitionState now = cluster.partition("t", 0);
        assertEquals(List.of(leader, follower), now.isr());
        assertEquals(leader, now.leader());
        assertEquals(0, now.leaderEpoch());
        assertEquals(1, now.partitionEpoch());
        assertEquals(MetadataViews.toPartitionInfo(now), shrink.result().getPartition());

        CommandOutcome expand = alter(leader, 0, 1, List.of(third, leader, follower));
        assertTrue(!expand.hasErrors(), expand.toString());
        assertEquals(p.replicas(), cluster.partition("t", 0).isr(), "ISR is kept in replica order");
        assertEquals(2, cluster.partition("t", 0).partitionEpoch());
    }

    @Test
    void proposingTheCurrentIsrChangesNothing() {
        CommandOutcome outcome = alter(leader, 0, 0, p.isr());
        assertTrue(outcome.records().isEmpty());
        assertEquals(MetadataViews.toPartitionInfo(p), outcome.result().getPartition());
    }

    @Test
    void rejectsStaleEpochsAndNonLeaders() {
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 1, 0, List.of(leader)),
                ErrorCode.FENCED_LEADER_EPOCH);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 3, List.of(leader)),
                ErrorCode.STALE_PARTITION_EPOCH);
        ItemResult notLeader = cluster.rejected(
                alterPartition(follower, cluster.epoch(follower), "t", 0, 0, 0, List.of(follower)), ErrorCode.NOT_LEADER);
        assertEquals(leader, notLeader.getError().getLeaderId());
        cluster.rejected(alterPartition(leader, cluster.epoch(leader) + 1, "t", 0, 0, 0, List.of(leader)),
                ErrorCode.STALE_BROKER_EPOCH);
        cluster.rejected(alterPartition(9, 1, "t", 0, 0, 0, List.of(9)), ErrorCode.UNKNOWN_BROKER);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "u", 0, 0, 0, List.of(leader)),
                ErrorCode.UNKNOWN_TOPIC);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 1, 0, 0, List.of(leader)),
                ErrorCode.UNKNOWN_PARTITION);
    }

    @Test
    void rejectsMalformedIsrs() {
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 0, List.of()), ErrorCode.INVALID_REQUEST);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 0, List.of(leader, leader)),
                ErrorCode.INVALID_REQUEST);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 0, List.of(leader, 42)),
                ErrorCode.INVALID_REQUEST);
        cluster.rejected(alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 0, List.of(follower)),
                ErrorCode.INVALID_REQUEST);
    }

    @Test
    void rejectsAddingAFencedBroker() {
        cluster.ok(Commands.alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 0, List.of(leader)));
        cluster.ok(Commands.fence(follower, cluster.epoch(follower)));
        ItemResult item = cluster.rejected(
                alterPartition(leader, cluster.epoch(leader), "t", 0, 0, 1, List.of(leader, follower)),
                ErrorCode.INVALID_REQUEST);
        assertTrue(item.getError().getMessage().contains("not active"), item.getError().getMessage());
    }
}
