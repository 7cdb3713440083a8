package io.wharf.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.group.CommittedOffset;
import io.wharf.group.ConsumerGroup;
import io.wharf.group.GroupsImage;
import io.wharf.group.TopicPartition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GroupFiguresTest {

    private static final TopicPartition CLICKS_0 = new TopicPartition("clicks", 0);
    private static final TopicPartition CLICKS_1 = new TopicPartition("clicks", 1);
    private static final TopicPartition ORDERS_0 = new TopicPartition("orders", 0);

    private static CommittedOffset at(long offset) {
        return new CommittedOffset(offset, -1, "", 0);
    }

    @Test
    void lagIsTheHighWatermarkMinusTheCommittedOffsetPerGroupAndPartition() {
        GroupsImage shardA = new GroupsImage(Map.of("analytics", ConsumerGroup.empty("analytics")),
                Map.of("analytics", Map.of(CLICKS_0, at(10), CLICKS_1, at(40))));
        // A group known by its committed offsets alone (an admin commit, or its members all left).
        GroupsImage shardB = new GroupsImage(Map.of(), Map.of("billing", Map.of(CLICKS_0, at(3), ORDERS_0, at(7))));

        GroupFigures figures = GroupFigures.of(List.of(shardA, shardB),
                Map.of(CLICKS_0, 25L, CLICKS_1, 38L));

        assertEquals(Map.of("analytics", 0, "billing", 0), figures.members());
        assertEquals(List.of(
                new GroupFigures.PartitionLag("analytics", CLICKS_0, 10, 25),
                new GroupFigures.PartitionLag("analytics", CLICKS_1, 40, 38),
                new GroupFigures.PartitionLag("billing", CLICKS_0, 3, 25),
                new GroupFigures.PartitionLag("billing", ORDERS_0, 7, -1)), figures.partitions());
        assertEquals(List.of(15L, 0L, 22L, -1L), figures.partitions().stream().map(GroupFigures.PartitionLag::lag)
                .toList(), "a commit past a stale high watermark is no negative lag; an unknown one is -1");
        assertEquals(List.of(CLICKS_0, CLICKS_1, ORDERS_0),
                GroupFigures.committedPartitions(List.of(shardA, shardB)));
    }

    @Test
    void noShardNoFigures() {
        assertEquals(GroupFigures.NONE, GroupFigures.of(List.of(), Map.of()));
    }
}
