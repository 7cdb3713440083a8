package io.wharf.replication.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LeaderReplicaStateTest {

    private static final long LAG_MS = 5000;

    /** Leader 1 of replicas [1,2,3], all in the ISR, starting at epoch 5 with an empty log. */
    private static LeaderReplicaState leader(int minIsr, long nowMs) {
        return new LeaderReplicaState(1, 5, 0, List.of(1, 2, 3), List.of(1, 2, 3), 7, minIsr, LAG_MS, 0, 0, nowMs);
    }

    @Test
    void highWatermarkIsTheMinimumDurableEndOverTheIsr() {
        LeaderReplicaState state = leader(1, 0);
        state.onLeaderDurableEnd(10);
        assertEquals(0, state.highWatermark(), "followers not heard from hold the HW");
        assertFalse(state.onFollowerFetch(2, 10, 10, 10, 1));
        assertTrue(state.onFollowerFetch(3, 8, 6, 10, 1));
        assertEquals(6, state.highWatermark(), "follower 3 has only 6 durable");
        assertTrue(state.onFollowerFetch(3, 10, 10, 10, 2));
        assertEquals(10, state.highWatermark());
    }

    @Test
    void durableEndIsCappedByTheFetchOffset() {
        LeaderReplicaState state = leader(1, 0);
        state.onLeaderDurableEnd(10);
        state.onFollowerFetch(2, 4, 9, 10, 1);
        state.onFollowerFetch(3, 10, 10, 10, 1);
        assertEquals(4, state.highWatermark());
    }

    @Test
    void leaderDurabilityBoundsTheHighWatermark() {
        LeaderReplicaState state = leader(1, 0);
        state.onFollowerFetch(2, 10, 10, 10, 1);
        state.onFollowerFetch(3, 10, 10, 10, 1);
        assertEquals(0, state.highWatermark(), "the leader itself has fsynced nothing");
        assertTrue(state.onLeaderDurableEnd(7));
        assertEquals(7, state.highWatermark());
    }

    @Test
    void highWatermarkNeverGoesBackwards() {
        LeaderReplicaState state = leader(1, 0);
        state.onLeaderDurableEnd(10);
        state.onFollowerFetch(2, 10, 10, 10, 1);
        state.onFollowerFetch(3, 10, 10, 10, 1);
        assertEquals(10, state.highWatermark());
        assertFalse(state.onFollowerFetch(3, 3, 3, 10, 2), "a follower that truncated does not pull the HW back");
        assertFalse(state.onLeaderDurableEnd(5));
        assertEquals(10, state.highWatermark());
    }

    @Test
    void replicasOutsideTheIsrDoNotHoldTheHighWatermark() {
        LeaderReplicaState state = leader(1, 0);
        state.onIsrChanged(List.of(1, 2), 8);
        state.onLeaderDurableEnd(10);
        state.onFollowerFetch(2, 10, 10, 10, 1);
        assertEquals(10, state.highWatermark());
    }

    @Test
    void shrinkingTheIsrLetsTheHighWatermarkAdvance() {
        LeaderReplicaState state = leader(1, 0);
        state.onLeaderDurableEnd(10);
        state.onFollowerFetch(2, 10, 10, 10, 1);
        assertEquals(0, state.highWatermark());
        assertTrue(state.onIsrChanged(List.of(1, 2), 8));
        assertEquals(10, state.highWatermark());
        assertEquals(8, state.partitionEpoch());
    }

    @Test
    void staleIsrUpdatesAreIgnored() {
        LeaderReplicaState state = leader(1, 0);
        state.onIsrChanged(List.of(1, 2), 9);
        assertFalse(state.onIsrChanged(List.of(1, 2, 3), 8));
        assertEquals(List.of(1, 2), state.isr());
        assertEquals(9, state.partitionEpoch());
    }

    @Test
    void aFollowerThatStopsFetchingIsAShrinkCandidateAfterTheLagTime() {
        LeaderReplicaState state = leader(1, 0);
        state.onLeaderDurableEnd(10);
        state.onFollowerFetch(2, 10, 10, 10, 4000);
        state.onFollowerFetch(3, 10, 10, 10, 4000);
        assertEquals(Set.of(), state.shrinkCandidates(8000));
        state.onFollowerFetch(2, 10, 10, 20, 8500);   // leader moved on; 2 is behind since then
        state.onFollowerFetch(3, 20, 20, 20, 8500);
        assertEquals(Set.of(), state.shrinkCandidates(9000));
        assertEquals(Set.of(2), state.shrinkCandidates(9001));
        assertEquals(List.of(1, 3), state.proposedIsr(9001));
    }

    @Test
    void aFollowerThatReachesWhatTheLeaderHadAtItsPreviousFetchCountsAsCaughtUpThen() {
        LeaderReplicaState state = leader(1, 0);
        state.onFollowerFetch(2, 0, 0, 50, 1000);      // behind: leader at 50
        state.onFollowerFetch(2, 50, 50, 80, 5500);    // reached 50 (the leader's end at t=1000)
        assertEquals(1000, state.progress(2).lastCaughtUpTimeMs());
        assertEquals(Set.of(2, 3), state.shrinkCandidates(6001), "3 never fetched since the epoch began at 0");
    }

    @Test
    void theLeaderIsNeverAShrinkCandidate() {
        LeaderReplicaState state = new LeaderReplicaState(1, 5, 0, List.of(1), List.of(1), 0, 1, LAG_MS, 0, 0, 0);
        assertEquals(Set.of(), state.shrinkCandidates(1_000_000));
        assertEquals(List.of(1), state.proposedIsr(1_000_000));
    }

    @Test
    void aFollowerRejoinsOnceItReachesTheHighWatermarkAndTheEpochStart() {
        LeaderReplicaState state = new LeaderReplicaState(1, 5, 20, List.of(1, 2, 3), List.of(1, 2), 7, 1, LAG_MS,
                15, 20, 0);
        state.onLeaderDurableEnd(30);
        state.onFollowerFetch(2, 30, 30, 30, 10);
        assertEquals(30, state.highWatermark());
        state.onFollowerFetch(3, 18, 18, 30, 10);
        assertEquals(Set.of(), state.expandCandidates(10), "below the HW and the epoch start");
        state.onFollowerFetch(3, 29, 29, 30, 11);
        assertEquals(Set.of(), state.expandCandidates(11), "below the HW");
        state.onFollowerFetch(3, 30, 30, 30, 12);
        assertEquals(Set.of(3), state.expandCandidates(12));
        assertEquals(List.of(1, 2, 3), state.proposedIsr(12));
    }

    @Test
    void expansionNeedsTheEpochStartEvenWhenTheHighWatermarkIsLower() {
        LeaderReplicaState state = new LeaderReplicaState(1, 5, 20, List.of(1, 2), List.of(1), 7, 1, LAG_MS, 10, 10, 0);
        state.onFollowerFetch(2, 15, 15, 20, 1);
        assertEquals(10, state.highWatermark());
        assertEquals(Set.of(), state.expandCandidates(1));
        state.onFollowerFetch(2, 20, 20, 20, 2);
        assertEquals(Set.of(2), state.expandCandidates(2));
    }

    @Test
    void minInsyncReplicasRefusesAppendsWhenTheIsrIsTooSmall() {
        LeaderReplicaState state = leader(2, 0);
        state.checkEnoughReplicas();
        state.onIsrChanged(List.of(1), 8);
        ReplicationException e = assertThrows(ReplicationException.class, state::checkEnoughReplicas);
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, e.errorCode());
        assertTrue(e.getMessage().contains("min.insync.replicas=2"), e.getMessage());
    }

    @Test
    void fetchesFromBrokersWithoutAReplicaAreRejected() {
        LeaderReplicaState state = leader(1, 0);
        ReplicationException e = assertThrows(ReplicationException.class, () -> state.onFollowerFetch(9, 0, 0, 0, 0));
        assertEquals(ErrorCode.INVALID_REQUEST, e.errorCode());
        assertThrows(IllegalArgumentException.class, () -> new LeaderReplicaState(1, 5, 0, List.of(1, 2),
                List.of(2), 7, 1, LAG_MS, 0, 0, 0));
    }

    /**
     * Random fetches, durability moves and ISR changes: the HW never decreases, never exceeds the
     * leader's durable end, and whenever it moves it is at most every ISR member's durable end.
     */
    @Test
    void highWatermarkInvariantsHoldUnderRandomEvents() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            LeaderReplicaState state = leader(1, 0);
            long leaderEnd = 0;
            long leaderDurable = 0;
            Map<Integer, Long> durable = new HashMap<>(Map.of(2, -1L, 3, -1L));
            int partitionEpoch = 7;
            long now = 0;
            long lastHw = state.highWatermark();
            for (int step = 0; step < 200; step++) {
                now += random.nextInt(100);
                switch (random.nextInt(4)) {
                    case 0 -> leaderEnd += random.nextInt(5);
                    case 1 -> {
                        leaderDurable = leaderDurable + random.nextInt((int) (leaderEnd - leaderDurable) + 1);
                        state.onLeaderDurableEnd(leaderDurable);
                    }
                    case 2 -> {
                        int follower = 2 + random.nextInt(2);
                        long fetch = random.nextInt((int) leaderEnd + 1);
                        long fsynced = random.nextInt((int) fetch + 1);
                        durable.put(follower, fsynced);
                        state.onFollowerFetch(follower, fetch, fsynced, leaderEnd, now);
                    }
                    default -> {
                        List<Integer> isr = new ArrayList<>(List.of(1));
                        for (int f = 2; f <= 3; f++) {
                            if (random.nextBoolean()) {
                                isr.add(f);
                            }
                        }
                        state.onIsrChanged(isr, ++partitionEpoch);
                    }
                }
                long hw = state.highWatermark();
                assertTrue(hw >= lastHw, "seed " + seed + ": HW went back from " + lastHw + " to " + hw);
                assertTrue(hw <= Math.max(leaderDurable, 0), "seed " + seed + ": HW above the leader's durable end");
                if (hw > lastHw) {
                    for (int member : state.isr()) {
                        if (member != 1) {
                            assertTrue(hw <= durable.get(member), "seed " + seed + ": HW above ISR member " + member);
                        }
                    }
                }
                lastHw = hw;
            }
        }
    }
}
