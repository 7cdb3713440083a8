package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LeadershipDeltaTest {

    private final MetadataScript metadata = new MetadataScript();

    @Test
    void leadershipsMoveWithFencingAndTopicChanges() {
        long epochOf1 = metadata.activate(1);
        metadata.activate(2);
        MetadataImage beforeTopic = metadata.image();
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("orders").setPartitions(4).setReplicationFactor(2))).build());
        LeadershipDelta created = LeadershipDelta.between(beforeTopic, metadata.image(), 1);
        Set<TopicPartition> ledBy1 = LocalBrokerView.of(metadata.image(), 1).leaderships().keySet();
        assertEquals(ledBy1, created.gained().keySet());
        assertTrue(created.lost().isEmpty());
        assertTrue(!ledBy1.isEmpty() && ledBy1.size() < 4, "leaders are spread: " + ledBy1);

        MetadataImage beforeShutdown = metadata.image();
        metadata.submit(ControllerCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand.newBuilder()
                .setBrokerId(1).setBrokerEpoch(epochOf1)).build());
        LeadershipDelta shutdownOf1 = LeadershipDelta.between(beforeShutdown, metadata.image(), 1);
        assertEquals(ledBy1, shutdownOf1.lost().keySet());
        assertTrue(shutdownOf1.gained().isEmpty());
        LeadershipDelta takenOverBy2 = LeadershipDelta.between(beforeShutdown, metadata.image(), 2);
        assertEquals(ledBy1, takenOverBy2.gained().keySet());
        for (PartitionState partition : takenOverBy2.gained().values()) {
            assertEquals(1, partition.leaderEpoch(), "a new leader bumps the leader epoch");
        }
        assertTrue(LeadershipDelta.between(beforeShutdown, metadata.image(), 3).isEmpty());

        MetadataImage beforeDelete = metadata.image();
        metadata.submit(ControllerCommand.newBuilder().setDeleteTopics(DeleteTopicsCommand.newBuilder().addNames("orders"))
                .build());
        LeadershipDelta deleted = LeadershipDelta.between(beforeDelete, metadata.image(), 2);
        assertEquals(Set.of(0, 1, 2, 3),
                deleted.lost().keySet().stream().map(TopicPartition::partition).collect(Collectors.toSet()));
        assertTrue(deleted.gained().isEmpty());
    }

    @Test
    void anUnchangedImageHasNoDelta() {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("a").setPartitions(2).setReplicationFactor(1))).build());
        MetadataImage before = metadata.image();
        metadata.activate(2);
        assertTrue(LeadershipDelta.between(before, metadata.image(), 1).isEmpty());
        assertEquals(2, LocalBrokerView.of(metadata.image(), 1).leaderships().size());
        assertTrue(LocalBrokerView.of(metadata.image(), 1).isActive());
        assertEquals(-1, LocalBrokerView.of(metadata.image(), 9).epoch());
    }
}
