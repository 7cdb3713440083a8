package io.wharf.metadata;

import static io.wharf.metadata.Commands.createTopic;
import static io.wharf.metadata.Commands.register;
import static io.wharf.metadata.Commands.unfence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.MetadataSnapshot;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Registrations carrying an incarnation id: retries by the same broker process keep its epoch. */
class RegistrationRetryTest {

    private static final String FIRST = "6f1c1d2e-0000-4000-8000-000000000001";
    private static final String SECOND = "6f1c1d2e-0000-4000-8000-000000000002";

    @Test
    void aRetryOfTheSameIncarnationKeepsTheEpochAndWritesNothing() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        long epoch = cluster.ok(register(2, FIRST)).result().getBrokerEpoch();
        CommandResult retriedWhileFenced = cluster.ok(register(2, FIRST)).result();
        assertEquals(epoch, retriedWhileFenced.getBrokerEpoch());
        assertTrue(retriedWhileFenced.getBrokerFenced());

        cluster.ok(unfence(2, epoch));
        cluster.ok(createTopic("t", 4, 3));
        MetadataImage before = cluster.image();

        CommandOutcome retry = cluster.ok(register(2, FIRST));

        assertEquals(List.of(), retry.records());
        assertEquals(epoch, retry.result().getBrokerEpoch());
        assertFalse(retry.result().getBrokerFenced(), "the answer carries the current fenced state");
        assertTrue(retry.result().getOffset() > epoch);
        Cluster.assertUnchangedExceptOffset(before, cluster.image());
        cluster.ok(unfence(2, epoch));
    }

    @Test
    void anotherIncarnationIsARestartWithANewEpoch() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        long first = cluster.ok(register(2, FIRST)).result().getBrokerEpoch();
        cluster.ok(unfence(2, first));
        cluster.ok(createTopic("t", 3, 3));

        CommandOutcome restart = cluster.ok(register(2, SECOND));

        long second = restart.result().getBrokerEpoch();
        assertTrue(second > first);
        assertTrue(restart.result().getBrokerFenced());
        assertEquals(SECOND, cluster.image().brokers().get(2).incarnationId());
        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            assertFalse(p.isr().contains(2), "the previous incarnation left the ISR of " + p);
        }
        cluster.rejected(unfence(2, first), ErrorCode.STALE_BROKER_EPOCH);
    }

    @Test
    void registrationsWithoutIncarnationOrWithAnotherEndpointAreRestarts() {
        Cluster cluster = new Cluster();
        long anonymous = cluster.ok(register(1, "")).result().getBrokerEpoch();
        assertTrue(cluster.ok(register(1, "")).result().getBrokerEpoch() > anonymous);

        long epoch = cluster.ok(register(1, FIRST)).result().getBrokerEpoch();
        ControllerCommand moved = register(1, FIRST).toBuilder()
                .setRegisterBroker(register(1, FIRST).getRegisterBroker().toBuilder().setPort(9999)).build();
        assertTrue(cluster.ok(moved).result().getBrokerEpoch() > epoch);
        assertEquals(9999, cluster.image().brokers().get(1).port());
    }

    @Test
    void aRequestOvertakenByAnotherIncarnationsRegistrationIsRefused() {
        Cluster cluster = new Cluster();
        long arrivedAt = cluster.image().offset();
        // Broker 1's first process sent this, then died; its successor registered meanwhile.
        ControllerCommand late = register(1, FIRST, arrivedAt);
        long successor = cluster.ok(register(1, SECOND, arrivedAt)).result().getBrokerEpoch();

        cluster.rejected(late, ErrorCode.STALE_BROKER_EPOCH);
        assertEquals(successor, cluster.epoch(1));
        assertEquals(SECOND, cluster.image().brokers().get(1).incarnationId());

        // A request that arrived after the successor's registration was committed replaces it.
        long third = cluster.ok(register(1, FIRST, successor)).result().getBrokerEpoch();
        assertTrue(third > successor);
        // The same incarnation retrying is answered whatever its request saw.
        assertEquals(third, cluster.ok(register(1, FIRST, arrivedAt)).result().getBrokerEpoch());
    }

    @Test
    void theIncarnationSurvivesASnapshotSoARetryAfterFailoverKeepsTheEpoch() throws Exception {
        Cluster cluster = Cluster.withActiveBrokers(2);
        long epoch = cluster.ok(register(5, FIRST)).result().getBrokerEpoch();
        cluster.ok(unfence(5, epoch));
        MetadataSnapshot snapshot = MetadataSnapshot.parseFrom(
                MetadataSnapshots.toSnapshot(cluster.image()).toByteArray());
        MetadataImage restored = MetadataSnapshots.fromSnapshot(snapshot);
        assertEquals(cluster.image(), restored);
        assertEquals(FIRST, restored.brokers().get(5).incarnationId());

        long offset = cluster.image().offset() + 1;
        CommandOutcome onRestored = CommandProcessor.process(restored, register(5, FIRST), offset);
        assertEquals(CommandProcessor.process(cluster.image(), register(5, FIRST), offset), onRestored);
        assertEquals(List.of(), onRestored.records());
        assertEquals(epoch, onRestored.result().getBrokerEpoch());
    }

    @Test
    void anOverlongIncarnationIdIsRejectedBeforeReplication() {
        ControllerCommand command = register(1, "x".repeat(StatelessChecks.MAX_INCARNATION_ID_LENGTH + 1));
        assertEquals(ErrorCode.INVALID_REQUEST, CommandProcessor.precheck(command).get(0).getError().getCode());
        new Cluster().rejected(command, ErrorCode.INVALID_REQUEST);
    }
}
