package io.wharf.metadata;

import static io.wharf.metadata.Commands.alterPartition;
import static io.wharf.metadata.Commands.createTopic;
import static io.wharf.metadata.Commands.electPreferredLeaders;
import static io.wharf.metadata.Commands.fence;
import static io.wharf.metadata.Commands.ref;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.PartitionRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class PreferredLeadersTest {

    private Cluster cluster;

    @BeforeEach
    void sixPartitionsOverThreeBrokers() {
        cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopic("t", 6, 3));
    }

    /** Fences {@code broker} and brings it back: active again, and back in every ISR through its leaders. */
    private void bounce(int broker) {
        cluster.ok(fence(broker, cluster.epoch(broker)));
        cluster.registerAndUnfence(broker);
        for (int p = 0; p < 6; p++) {
            PartitionState state = cluster.partition("t", p);
            if (!state.isr().contains(broker)) {
                List<Integer> isr = new ArrayList<>(state.isr());
                isr.add(broker);
                cluster.ok(alterPartition(state.leader(), cluster.epoch(state.leader()), "t", p, state.leaderEpoch(),
                        state.partitionEpoch(), isr));
            }
        }
    }

    private List<Integer> leaders() {
        List<Integer> leaders = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            leaders.add(cluster.partition("t", p).leader());
        }
        return leaders;
    }

    private List<Integer> preferred() {
        List<Integer> preferred = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            preferred.add(cluster.partition("t", p).replicas().get(0));
        }
        return preferred;
    }

    @Test
    void placementStartsBalancedSoNothingIsImbalanced() {
        assertEquals(preferred(), leaders());
        assertEquals(List.of(), PreferredLeaders.imbalanced(cluster.image(), 0.1));
    }

    @Test
    void afterABounceTheBrokersPreferredPartitionsAreImbalancedAndAnElectionMovesThemBack() {
        bounce(1);
        List<PartitionRef> moves = PreferredLeaders.imbalanced(cluster.image(), 0.1);
        assertEquals(2, moves.size(), moves.toString());
        for (PartitionRef move : moves) {
            assertEquals(1, cluster.partition("t", move.getPartition()).replicas().get(0));
            assertTrue(cluster.partition("t", move.getPartition()).leader() != 1);
        }
        PartitionState before = cluster.partition("t", moves.get(0).getPartition());

        CommandOutcome outcome = cluster.ok(electPreferredLeaders(moves.toArray(PartitionRef[]::new)));
        assertEquals(2, outcome.records().size());
        assertEquals(preferred(), leaders());
        PartitionState after = cluster.partition("t", moves.get(0).getPartition());
        assertEquals(before.leaderEpoch() + 1, after.leaderEpoch());
        assertEquals(before.partitionEpoch() + 1, after.partitionEpoch());
        assertEquals(before.isr(), after.isr());
        assertEquals(List.of(), PreferredLeaders.imbalanced(cluster.image(), 0.1));
    }

    @Test
    void aPreferredReplicaOutsideTheIsrOrFencedIsNotElected() {
        int broker = cluster.partition("t", 0).replicas().get(0);
        cluster.ok(fence(broker, cluster.epoch(broker)));
        ItemResult fenced = cluster.rejected(electPreferredLeaders(ref("t", 0)), ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
        assertTrue(fenced.getError().getMessage().contains("not active"), fenced.toString());

        cluster.registerAndUnfence(broker);   // active, but not back in the ISR yet
        cluster.rejected(electPreferredLeaders(ref("t", 0)), ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE);
        assertEquals(List.of(), PreferredLeaders.imbalanced(cluster.image(), 0.1), "nothing it could lead yet");
    }

    @Test
    void namedPartitionsAnswerWhyTheyDidNotMove() {
        cluster.rejected(electPreferredLeaders(ref("t", 0)), ErrorCode.ELECTION_NOT_NEEDED);
        cluster.rejected(electPreferredLeaders(ref("t", 9)), ErrorCode.UNKNOWN_PARTITION);
        cluster.rejected(electPreferredLeaders(ref("nope", 0)), ErrorCode.UNKNOWN_TOPIC);
    }

    @Test
    void electingEveryPartitionAnswersOnlyTheMoves() {
        assertEquals(0, cluster.ok(electPreferredLeaders()).result().getItemsCount());
        bounce(2);
        CommandOutcome outcome = cluster.ok(electPreferredLeaders());
        assertEquals(2, outcome.result().getItemsCount());
        assertEquals(preferred(), leaders());
    }

    @Test
    void belowTheThresholdNothingMoves() {
        cluster.ok(createTopic("many", 20, 3));
        // one partition out of broker 0's ~9 preferred ones leads elsewhere: ~11 % vs a 20 % threshold
        int partition = 0;
        while (cluster.partition("many", partition).replicas().get(0) != 0) {
            partition++;
        }
        PartitionState state = cluster.partition("many", partition);
        cluster.ok(fence(0, cluster.epoch(0)));
        cluster.registerAndUnfence(0);
        for (String topic : List.of("t", "many")) {
            int count = topic.equals("t") ? 6 : 20;
            for (int p = 0; p < count; p++) {
                PartitionState s = cluster.partition(topic, p);
                if (!s.isr().contains(0)) {
                    List<Integer> isr = new ArrayList<>(s.isr());
                    isr.add(0);
                    cluster.ok(alterPartition(s.leader(), cluster.epoch(s.leader()), topic, p, s.leaderEpoch(),
                            s.partitionEpoch(), isr));
                }
            }
        }
        // give back all but the chosen partition
        List<PartitionRef> allButOne = new ArrayList<>(PreferredLeaders.imbalanced(cluster.image(), 0.0));
        allButOne.remove(ref("many", partition));
        cluster.ok(electPreferredLeaders(allButOne.toArray(PartitionRef[]::new)));
        assertTrue(cluster.partition("many", partition).leader() != 0, state.toString());
        assertEquals(List.of(), PreferredLeaders.imbalanced(cluster.image(), 0.2));
        assertEquals(List.of(ref("many", partition)), PreferredLeaders.imbalanced(cluster.image(), 0.1));
    }

    @Test
    void randomBouncesAlwaysEndBalancedAfterTheElectionsARebalanceAsksFor() {
        Random random = new Random(7);
        for (int round = 0; round < 50; round++) {
            bounce(random.nextInt(3));
            List<PartitionRef> moves = PreferredLeaders.imbalanced(cluster.image(), 0.0);
            if (!moves.isEmpty()) {
                cluster.ok(electPreferredLeaders(moves.toArray(PartitionRef[]::new)));
            }
            assertEquals(preferred(), leaders(), "round " + round);
        }
    }
}
