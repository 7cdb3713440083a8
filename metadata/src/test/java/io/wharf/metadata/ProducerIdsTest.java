package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import org.junit.jupiter.api.Test;

class ProducerIdsTest {

    @Test
    void consecutiveAllocationsHandOutDisjointBlocks() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        assertEquals(0, cluster.image().nextProducerId());

        CommandResult first = cluster.ok(Commands.allocateProducerIds(0, cluster.epoch(0))).result();
        CommandResult second = cluster.ok(Commands.allocateProducerIds(1, cluster.epoch(1))).result();

        assertEquals(0, first.getProducerIdStart());
        assertEquals(ProducerIdCommands.BLOCK_SIZE, first.getProducerIdCount());
        assertEquals(ProducerIdCommands.BLOCK_SIZE, second.getProducerIdStart());
        assertEquals(2L * ProducerIdCommands.BLOCK_SIZE, cluster.image().nextProducerId());
    }

    @Test
    void theCounterSurvivesASnapshot() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(Commands.allocateProducerIds(0, cluster.epoch(0)));

        MetadataImage restored = MetadataSnapshots.fromSnapshot(MetadataSnapshots.toSnapshot(cluster.image()));

        assertEquals(cluster.image(), restored);
        assertEquals(ProducerIdCommands.BLOCK_SIZE, restored.nextProducerId());
    }

    @Test
    void anUnregisteredOrStaleBrokerGetsNoIds() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.rejected(Commands.allocateProducerIds(7, 1), ErrorCode.UNKNOWN_BROKER);
        cluster.rejected(Commands.allocateProducerIds(0, cluster.epoch(0) - 1), ErrorCode.STALE_BROKER_EPOCH);
        assertEquals(0, cluster.image().nextProducerId());
    }

    @Test
    void aNegativeBrokerIdIsRefusedBeforeReplication() {
        ControllerCommand command = Commands.allocateProducerIds(-1, 3);
        assertEquals(ErrorCode.INVALID_REQUEST, CommandProcessor.precheck(command).get(0).getError().getCode());
    }
}
