package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.CommandProcessor;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import io.wharf.proto.metadata.UnfenceBrokerCommand;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LeadershipDeltaTest {

    private MetadataImage image = MetadataImage.empty();
    private long offset;
    private final Map<Integer, Long> epochs = new TreeMap<>();

    @Test
    void leadershipsMoveWithFencingAndTopicChanges() {
        activate(1);
        activate(2);
        MetadataImage beforeTopic = image;
        submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("orders").setPartitions(4).setReplicationFactor(2))).build());
        LeadershipDelta created = LeadershipDelta.between(beforeTopic, image, 1);
        Set<TopicPartition> ledBy1 = LocalBrokerView.of(image, 1).leaderships().keySet();
        assertEquals(ledBy1, created.gained().keySet());
        assertTrue(created.lost().isEmpty());
        assertTrue(!ledBy1.isEmpty() && ledBy1.size() < 4, "leaders are spread: " + ledBy1);

        MetadataImage beforeShutdown = image;
        submit(ControllerCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand.newBuilder()
                .setBrokerId(1).setBrokerEpoch(epochs.get(1))).build());
        LeadershipDelta shutdownOf1 = LeadershipDelta.between(beforeShutdown, image, 1);
        assertEquals(ledBy1, shutdownOf1.lost().keySet());
        assertTrue(shutdownOf1.gained().isEmpty());
        LeadershipDelta takenOverBy2 = LeadershipDelta.between(beforeShutdown, image, 2);
        assertEquals(ledBy1, takenOverBy2.gained().keySet());
        for (PartitionState partition : takenOverBy2.gained().values()) {
            assertEquals(1, partition.leaderEpoch(), "a new leader bumps the leader epoch");
        }
        assertTrue(LeadershipDelta.between(beforeShutdown, image, 3).isEmpty());

        MetadataImage beforeDelete = image;
        submit(ControllerCommand.newBuilder().setDeleteTopics(DeleteTopicsCommand.newBuilder().addNames("orders"))
                .build());
        LeadershipDelta deleted = LeadershipDelta.between(beforeDelete, image, 2);
        assertEquals(Set.of(0, 1, 2, 3),
                deleted.lost().keySet().stream().map(TopicPartition::partition).collect(Collectors.toSet()));
        assertTrue(deleted.gained().isEmpty());
    }

    @Test
    void anUnchangedImageHasNoDelta() {
        activate(1);
        submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName("a").setPartitions(2).setReplicationFactor(1))).build());
        MetadataImage before = image;
        activate(2);
        assertTrue(LeadershipDelta.between(before, image, 1).isEmpty());
        assertEquals(2, LocalBrokerView.of(image, 1).leaderships().size());
        assertTrue(LocalBrokerView.of(image, 1).isActive());
        assertEquals(-1, LocalBrokerView.of(image, 9).epoch());
    }

    private void activate(int id) {
        long epoch = submit(ControllerCommand.newBuilder().setRegisterBroker(RegisterBrokerCommand.newBuilder()
                .setBrokerId(id).setHost("127.0.0.1").setPort(9000 + id)).build());
        epochs.put(id, epoch);
        submit(ControllerCommand.newBuilder().setUnfenceBroker(UnfenceBrokerCommand.newBuilder()
                .setBrokerId(id).setBrokerEpoch(epoch)).build());
    }

    private long submit(ControllerCommand command) {
        offset++;
        var outcome = CommandProcessor.process(image, command, offset);
        assertTrue(!outcome.hasErrors(), () -> "rejected: " + outcome.result());
        image = image.apply(outcome.batch());
        return outcome.result().getBrokerEpoch();
    }
}
