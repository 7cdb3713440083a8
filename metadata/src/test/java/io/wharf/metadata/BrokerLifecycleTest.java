package io.wharf.metadata;

import static io.wharf.metadata.Commands.controlledShutdown;
import static io.wharf.metadata.Commands.createTopic;
import static io.wharf.metadata.Commands.fence;
import static io.wharf.metadata.Commands.register;
import static io.wharf.metadata.Commands.unfence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecord;
import java.util.List;
import org.junit.jupiter.api.Test;

class BrokerLifecycleTest {

    @Test
    void registeredBrokerStartsFencedWithItsOffsetAsEpoch() {
        Cluster cluster = new Cluster();
        CommandOutcome outcome = cluster.ok(register(4, "broker-host", 9092));

        long epoch = outcome.result().getBrokerEpoch();
        assertEquals(outcome.result().getOffset(), epoch);
        assertEquals(new BrokerRegistration(4, epoch, "broker-host", 9092, "", true, "", false), cluster.image().brokers().get(4));
        assertEquals(List.of(), cluster.image().activeBrokerIds());

        cluster.ok(unfence(4, epoch));
        assertEquals(List.of(4), cluster.image().activeBrokerIds());
    }

    @Test
    void rejectsMalformedRegistrations() {
        Cluster cluster = new Cluster();
        cluster.rejected(register(-1), ErrorCode.INVALID_REQUEST);
        cluster.rejected(register(1, "", 9092), ErrorCode.INVALID_REQUEST);
        cluster.rejected(register(1, "  ", 9092), ErrorCode.INVALID_REQUEST);
        cluster.rejected(register(1, "h", 0), ErrorCode.INVALID_REQUEST);
        cluster.rejected(register(1, "h", 65536), ErrorCode.INVALID_REQUEST);
        assertTrue(cluster.image().brokers().isEmpty());
    }

    @Test
    void fencingMovesLeadershipToTheNextActiveIsrMemberAndBumpsEpochs() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopic("t", 6, 3));
        MetadataImage before = cluster.image();
        int victim = 1;

        CommandOutcome outcome = cluster.ok(fence(victim, cluster.epoch(victim)));

        assertEquals(MetadataRecord.RecordCase.FENCE_BROKER, outcome.records().get(0).getRecordCase());
        assertTrue(cluster.image().brokers().get(victim).fenced());
        assertEquals(List.of(0, 2), cluster.image().activeBrokerIds());
        for (PartitionState old : before.topic("t").orElseThrow().partitions().values()) {
            PartitionState now = cluster.partition("t", old.partition());
            assertFalse(now.isr().contains(victim), "fenced broker left the ISR of " + now);
            assertEquals(old.partitionEpoch() + 1, now.partitionEpoch());
            if (old.leader() == victim) {
                int expected = old.replicas().stream().filter(r -> r != victim).findFirst().orElseThrow();
                assertEquals(expected, now.leader());
                assertEquals(old.leaderEpoch() + 1, now.leaderEpoch());
            } else {
                assertEquals(old.leader(), now.leader());
                assertEquals(old.leaderEpoch(), now.leaderEpoch());
            }
        }
    }

    @Test
    void lastIsrMemberStaysInIsrAndThePartitionLosesItsLeader() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("single", 1, 1));
        int leader = cluster.partition("single", 0).leader();

        cluster.ok(fence(leader, cluster.epoch(leader)));

        PartitionState now = cluster.partition("single", 0);
        assertEquals(PartitionState.NO_LEADER, now.leader());
        assertEquals(List.of(leader), now.isr());
        assertEquals(1, now.leaderEpoch());
        assertEquals(1, now.partitionEpoch());
    }

    @Test
    void fencingEveryReplicaLeavesTheLastOneInTheIsrWithoutLeader() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("t", 1, 2));
        List<Integer> replicas = cluster.partition("t", 0).replicas();
        cluster.ok(fence(replicas.get(0), cluster.epoch(replicas.get(0))));
        assertEquals(replicas.get(1), cluster.partition("t", 0).leader());
        cluster.ok(fence(replicas.get(1), cluster.epoch(replicas.get(1))));

        PartitionState now = cluster.partition("t", 0);
        assertEquals(PartitionState.NO_LEADER, now.leader());
        assertEquals(List.of(replicas.get(1)), now.isr());
        assertEquals(2, now.leaderEpoch());
        assertEquals(2, now.partitionEpoch());
    }

    @Test
    void unfencingElectsTheBrokerInLeaderlessPartitionsWhoseIsrHoldsIt() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("t", 4, 1));
        cluster.ok(fence(0, cluster.epoch(0)));
        cluster.ok(fence(1, cluster.epoch(1)));
        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            assertEquals(PartitionState.NO_LEADER, p.leader());
        }

        cluster.ok(unfence(0, cluster.epoch(0)));

        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            if (p.replicas().contains(0)) {
                assertEquals(0, p.leader());
                assertEquals(2, p.leaderEpoch());
                assertEquals(2, p.partitionEpoch());
            } else {
                assertEquals(PartitionState.NO_LEADER, p.leader());
                assertEquals(1, p.leaderEpoch());
            }
        }
    }

    @Test
    void controlledShutdownMovesLeadershipsAndFences() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopic("t", 9, 2));

        cluster.ok(controlledShutdown(0, cluster.epoch(0)));

        assertTrue(cluster.image().brokers().get(0).fenced());
        assertTrue(cluster.image().brokers().get(0).shutDown());
        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            assertTrue(p.leader() != 0 && p.leader() != PartitionState.NO_LEADER, p.toString());
            assertFalse(p.isr().contains(0), p.toString());
        }
    }

    @Test
    void aShutDownRegistrationIsNeverUnfencedAndSurvivesASnapshotUntilTheBrokerRegistersAgain() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        long epoch = cluster.epoch(1);
        cluster.ok(controlledShutdown(1, epoch));
        // an unfence decided from a heartbeat just before the shutdown was applied loses deterministically
        cluster.rejected(unfence(1, epoch), ErrorCode.STALE_BROKER_EPOCH);
        MetadataImage restored = MetadataSnapshots.fromSnapshot(MetadataSnapshots.toSnapshot(cluster.image()));
        assertEquals(cluster.image(), restored);
        assertTrue(restored.brokers().get(1).shutDown());

        cluster.registerAndUnfence(1);
        assertFalse(cluster.image().brokers().get(1).shutDown());
        assertFalse(cluster.image().brokers().get(1).fenced());
    }

    @Test
    void aControlledShutdownOfAFencedBrokerStillMarksItShutDown() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(fence(1, cluster.epoch(1)));
        CommandOutcome shutdown = cluster.ok(controlledShutdown(1, cluster.epoch(1)));
        assertEquals(1, shutdown.records().size());
        assertTrue(cluster.image().brokers().get(1).shutDown());
        cluster.rejected(unfence(1, cluster.epoch(1)), ErrorCode.STALE_BROKER_EPOCH);
    }

    @Test
    void fenceAndShutdownOfAShutDownBrokerAreNoOps() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(controlledShutdown(1, cluster.epoch(1)));
        MetadataImage before = cluster.image();

        assertTrue(cluster.ok(fence(1, cluster.epoch(1))).records().isEmpty());
        assertTrue(cluster.ok(controlledShutdown(1, cluster.epoch(1))).records().isEmpty());
        assertTrue(cluster.ok(unfence(0, cluster.epoch(0))).records().isEmpty());
        Cluster.assertUnchangedExceptOffset(before, cluster.image());
    }

    @Test
    void lifecycleCommandsRejectUnknownBrokersAndStaleEpochs() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("t", 2, 2));
        long stale = cluster.epoch(1) - 1;
        cluster.rejected(fence(7, 1), ErrorCode.UNKNOWN_BROKER);
        cluster.rejected(unfence(7, 1), ErrorCode.UNKNOWN_BROKER);
        cluster.rejected(controlledShutdown(7, 1), ErrorCode.UNKNOWN_BROKER);
        cluster.rejected(fence(1, stale), ErrorCode.STALE_BROKER_EPOCH);
        cluster.rejected(unfence(1, stale), ErrorCode.STALE_BROKER_EPOCH);
        cluster.rejected(controlledShutdown(1, stale), ErrorCode.STALE_BROKER_EPOCH);
        cluster.rejected(fence(-1, 1), ErrorCode.INVALID_REQUEST);
        cluster.rejected(fence(1, -1), ErrorCode.INVALID_REQUEST);
    }

    @Test
    void aFenceDecidedInAnEarlierTermIsRejectedAndChangesNothing() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("t", 2, 2));
        cluster.term = 5;
        // A controller active in term 4 was paused or cut off; its fence reaches the log in term 5.
        ItemResult stale = cluster.rejected(fence(1, cluster.epoch(1), 4), ErrorCode.NOT_CONTROLLER);
        assertTrue(stale.getError().getMessage().contains("term 4"), stale.toString());
        assertFalse(cluster.image().brokers().get(1).fenced());

        cluster.ok(fence(1, cluster.epoch(1), 5));
        assertTrue(cluster.image().brokers().get(1).fenced(), "the active controller of this term fences");
        cluster.ok(fence(0, cluster.epoch(0), 0));
        assertTrue(cluster.image().brokers().get(0).fenced(), "an unstamped fence is not checked");
    }

    @Test
    void reRegistrationAfterACrashFencesThePreviousIncarnationFirst() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopic("t", 6, 3));
        long oldEpoch = cluster.epoch(2);

        CommandOutcome outcome = cluster.ok(register(2));

        List<MetadataRecord> records = outcome.records();
        assertEquals(MetadataRecord.RecordCase.REGISTER_BROKER, records.get(records.size() - 1).getRecordCase());
        assertTrue(records.subList(0, records.size() - 1).stream()
                .allMatch(r -> r.getRecordCase() == MetadataRecord.RecordCase.PARTITION_CHANGE));
        assertEquals(6, records.size() - 1, "broker 2 was in every ISR");
        BrokerRegistration now = cluster.image().brokers().get(2);
        assertTrue(now.epoch() > oldEpoch);
        assertTrue(now.fenced());
        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            assertFalse(p.isr().contains(2));
            assertTrue(p.leader() == 0 || p.leader() == 1);
        }
        cluster.rejected(unfence(2, oldEpoch), ErrorCode.STALE_BROKER_EPOCH);
        cluster.ok(unfence(2, now.epoch()));
    }
}
