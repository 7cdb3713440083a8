package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataSnapshot;
import io.wharf.proto.metadata.PartitionChangeRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataSnapshotsTest {

    @Test
    void emptyImageRoundTrips() {
        MetadataSnapshot snapshot = MetadataSnapshots.toSnapshot(MetadataImage.empty());
        assertEquals(-1, snapshot.getOffset());
        assertEquals(0, snapshot.getRecordsCount());
        assertEquals(MetadataImage.empty(), MetadataSnapshots.fromSnapshot(snapshot));
    }

    @Test
    void busyImageRoundTripsThroughBytes() throws Exception {
        Cluster cluster = Cluster.withActiveBrokers(4);
        cluster.ok(Commands.createTopics(Commands.spec("a", 5, 3, Map.of("retention.ms", "1000")),
                Commands.spec("b", 2, 1)));
        cluster.ok(Commands.fence(1, cluster.epoch(1)));
        cluster.ok(Commands.register(2));
        cluster.ok(Commands.controlledShutdown(3, cluster.epoch(3)));
        MetadataImage image = cluster.image();

        MetadataSnapshot snapshot = MetadataSnapshot.parseFrom(MetadataSnapshots.toSnapshot(image).toByteArray());

        assertEquals(image.offset(), snapshot.getOffset());
        assertEquals(image, MetadataSnapshots.fromSnapshot(snapshot));
    }

    @Test
    void exchangesQueuesAndBindingsRoundTripAndReplayAlike() throws Exception {
        List<ControllerCommand> commands = List.of(
                Commands.declareExchange("x", ExchangeType.TOPIC, false, Map.of("alternate-exchange", "ae")),
                Commands.declareExchange("ae", ExchangeType.FANOUT, true, Map.of()),
                Commands.declareQueue("q", Map.of("x-single-active-consumer", "true")),
                Commands.declareQueue("r"),
                Commands.bind(Commands.toQueue("x", "q", "a.#")),
                Commands.bind(Commands.binding("amq.match", DestinationKind.QUEUE, "r", "",
                        Map.of("x-match", "any", "h", "1"))),
                Commands.bind(Commands.toExchange("x", "ae", "b.*")),
                Commands.bind(Commands.toQueue("ae", "r", "")));
        Cluster one = Cluster.withActiveBrokers(3);
        Cluster other = Cluster.withActiveBrokers(3);
        for (ControllerCommand command : commands) {
            assertEquals(one.ok(command), other.ok(command), "processing is deterministic");
        }
        MetadataImage image = one.image();
        assertEquals(image, other.image());

        MetadataSnapshot snapshot = MetadataSnapshot.parseFrom(MetadataSnapshots.toSnapshot(image).toByteArray());
        MetadataImage restored = MetadataSnapshots.fromSnapshot(snapshot);

        assertEquals(image, restored);
        assertEquals(image.exchanges(), restored.exchanges());
        assertEquals(image.queues(), restored.queues());
        assertEquals(image.bindings(), restored.bindings());
        assertEquals(4, restored.bindings().size());
        assertEquals(ExchangeRouter.route(image, "x", "b.c", Map.of()),
                ExchangeRouter.route(restored, "x", "b.c", Map.of()));
    }

    @Test
    void restoredImageKeepsApplyingCommands() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(Commands.createTopic("t", 3, 3));
        MetadataImage restored = MetadataSnapshots.fromSnapshot(MetadataSnapshots.toSnapshot(cluster.image()));

        CommandOutcome fence = CommandProcessor.process(restored, Commands.fence(0, cluster.epoch(0)), 100);
        assertEquals(fence, CommandProcessor.process(cluster.image(), Commands.fence(0, cluster.epoch(0)), 100));
    }

    @Test
    void inconsistentSnapshotIsRejected() {
        MetadataSnapshot orphanChange = MetadataSnapshot.newBuilder().setOffset(3)
                .addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                        .setTopic("t").addAllIsr(List.of(1)).setLeader(1).setPartitionEpoch(1)))
                .build();
        assertThrows(IllegalStateException.class, () -> MetadataSnapshots.fromSnapshot(orphanChange));
        MetadataSnapshot recordsWithoutOffset = orphanChange.toBuilder().setOffset(-1).build();
        assertThrows(IllegalStateException.class, () -> MetadataSnapshots.fromSnapshot(recordsWithoutOffset));
    }
}
