package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class MetadataViewsTest {

    @Test
    void brokerStateFollowsFencing() {
        BrokerRegistration broker = new BrokerRegistration(3, 42, "10.0.0.3", 17203, "r1", false, "", false);
        BrokerInfo info = MetadataViews.toBrokerInfo(broker, 120);
        assertEquals(BrokerInfo.newBuilder().setId(3).setEpoch(42).setHost("10.0.0.3").setPort(17203).setRack("r1")
                .setState(BrokerState.ACTIVE).setMsSinceHeartbeat(120).build(), info);
        assertEquals(BrokerState.FENCED, MetadataViews.toBrokerInfo(broker.withFenced(true), -1).getState());
        assertEquals("10.0.0.3:17203", broker.endpoint());
    }

    @Test
    void topicDescriptionListsPartitionsInOrderWithExplicitConfigs() {
        TreeMap<Integer, PartitionState> partitions = new TreeMap<>();
        partitions.put(1, new PartitionState(1, List.of(2, 0), List.of(2), 2, 3, 4));
        partitions.put(0, new PartitionState(0, List.of(0, 2), List.of(0, 2), -1, 1, 2));
        TopicImage topic = new TopicImage("t", "id-1", partitions, Map.of("retention.ms", "5"));

        TopicDescription description = MetadataViews.toTopicDescription(topic);

        assertEquals("t", description.getName());
        assertEquals("id-1", description.getTopicId());
        assertEquals(Map.of("retention.ms", "5"), description.getConfigsMap());
        assertEquals(List.of(
                PartitionInfo.newBuilder().setPartition(0).setLeader(-1).addAllReplicas(List.of(0, 2))
                        .addAllIsr(List.of(0, 2)).setLeaderEpoch(1).setPartitionEpoch(2).build(),
                PartitionInfo.newBuilder().setPartition(1).setLeader(2).addAllReplicas(List.of(2, 0))
                        .addAllIsr(List.of(2)).setLeaderEpoch(3).setPartitionEpoch(4).build()),
                description.getPartitionsList());
    }
}
