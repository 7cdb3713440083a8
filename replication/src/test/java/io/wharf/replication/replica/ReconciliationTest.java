package io.wharf.replication.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.replication.log.EpochEndOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The leader's divergence check and the follower's truncation, alone and as a loop. */
class ReconciliationTest {

    @Test
    void aFollowerThatIsAPrefixOfTheLeaderDoesNotDiverge() {
        EpochHistory leader = new EpochHistory(List.of(1, 1, 2, 2, 3));
        assertEquals(Optional.empty(), DivergenceCheck.diverging(leader::endOffsetFor, 3, 2));
        assertEquals(Optional.empty(), DivergenceCheck.diverging(leader::endOffsetFor, 5, 3));
        assertEquals(Optional.empty(), DivergenceCheck.diverging(leader::endOffsetFor, 0, -1));
    }

    @Test
    void extraRecordsOfACommonEpochAreCutAtTheEpochEndOnTheLeader() {
        EpochHistory leader = new EpochHistory(List.of(1, 1, 2, 2, 3));
        EpochHistory follower = new EpochHistory(List.of(1, 1, 2, 2, 2, 2));
        EpochEndOffset diverging = DivergenceCheck.diverging(leader::endOffsetFor, 6, 2).orElseThrow();
        assertEquals(new EpochEndOffset(2, 4), diverging);
        assertEquals(4, FollowerTruncation.truncationOffset(diverging, follower::endOffsetFor, 6, 0));
    }

    @Test
    void anEpochTheLeaderNeverHadIsReportedAsTheLeadersEarlierEpoch() {
        EpochHistory leader = new EpochHistory(List.of(1, 1, 1, 4));
        EpochHistory follower = new EpochHistory(List.of(1, 1, 3, 3));
        EpochEndOffset diverging = DivergenceCheck.diverging(leader::endOffsetFor, 4, 3).orElseThrow();
        assertEquals(new EpochEndOffset(1, 3), diverging);
        assertEquals(2, FollowerTruncation.truncationOffset(diverging, follower::endOffsetFor, 4, 0));
    }

    @Test
    void aFollowerMissingTheLeadersEpochCutsToItsOwnEarlierEpochAndAsksAgain() {
        // The leader answers with epoch 2, which the follower never had: cut to the end of its epoch 1.
        EpochHistory follower = new EpochHistory(List.of(1, 1, 3, 3));
        assertEquals(2, FollowerTruncation.truncationOffset(new EpochEndOffset(2, 5), follower::endOffsetFor, 4, 0));
    }

    @Test
    void withNoCommonEpochTheFollowerKeepsOnlyWhatIsBelowItsHighWatermark() {
        EpochHistory follower = new EpochHistory(List.of(1, 1, 1));
        assertEquals(2, FollowerTruncation.truncationOffset(EpochEndOffset.UNDEFINED, follower::endOffsetFor, 3, 2));
        assertEquals(0, FollowerTruncation.truncationOffset(EpochEndOffset.UNDEFINED, follower::endOffsetFor, 3, -1));
    }

    @Test
    void truncationNeverGoesPastTheFollowersEnd() {
        EpochHistory follower = new EpochHistory(List.of(1, 1));
        assertEquals(2, FollowerTruncation.truncationOffset(new EpochEndOffset(1, 9), follower::endOffsetFor, 2, 0));
    }

    /**
     * Random pairs of logs that share a prefix and then diverge in the ways leader changes allow
     * (the follower may hold more of the prefix's last epoch, or epochs the leader never had; the
     * leader's epochs after the split are newer): checking and truncating in a loop leaves the
     * follower exactly at the shared prefix, and then it is a prefix of the leader.
     */
    @Test
    void theLoopConvergesOnTheLastCommonOffset() {
        for (long seed = 0; seed < 2000; seed++) {
            Random random = new Random(seed);
            List<Integer> prefix = run(random, 0, random.nextInt(4));
            int prefixEpoch = prefix.isEmpty() ? 0 : prefix.get(prefix.size() - 1);
            List<Integer> followerTail = new ArrayList<>();
            int epoch = prefixEpoch;
            boolean extendPrefixEpoch = random.nextBoolean();
            int tailRuns = random.nextInt(3);
            for (int r = 0; r < tailRuns; r++) {
                epoch = (r == 0 && extendPrefixEpoch && !prefix.isEmpty()) ? prefixEpoch : epoch + 1 + random.nextInt(2);
                for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                    followerTail.add(epoch);
                }
            }
            int leaderEpoch = Math.max(epoch, prefixEpoch) + 1 + random.nextInt(2);
            List<Integer> leaderTail = run(random, leaderEpoch, 1 + random.nextInt(3));
            if (!followerTail.isEmpty() && followerTail.get(0) == prefixEpoch && random.nextBoolean()) {
                // The leader may also have written more of the prefix's epoch than the follower got.
                leaderTail.add(0, prefixEpoch);
                followerTail.replaceAll(e -> e == prefixEpoch ? -2 : e);
                followerTail.removeIf(e -> e == -2);
            }
            EpochHistory leader = new EpochHistory(concat(prefix, leaderTail));
            EpochHistory follower = new EpochHistory(concat(prefix, followerTail));
            long followerHw = random.nextInt(prefix.size() + 1);
            for (int round = 0; round < 20; round++) {
                Optional<EpochEndOffset> diverging =
                        DivergenceCheck.diverging(leader::endOffsetFor, follower.size(), follower.lastEpoch());
                if (diverging.isEmpty()) {
                    break;
                }
                follower.truncateTo(FollowerTruncation.truncationOffset(diverging.get(), follower::endOffsetFor,
                        follower.size(), followerHw));
            }
            String context = "seed " + seed + ": leader " + leader.epochs + ", follower ended at " + follower.epochs
                    + ", prefix " + prefix;
            assertEquals(prefix.size(), follower.size(), context);
            assertTrue(leader.epochs.subList(0, follower.size()).equals(follower.epochs), context);
        }
    }

    /** {@code runs} runs of non-decreasing epochs above {@code from}. */
    private static List<Integer> run(Random random, int from, int runs) {
        List<Integer> out = new ArrayList<>();
        int epoch = from;
        for (int r = 0; r < runs; r++) {
            epoch += r == 0 ? 0 : 1 + random.nextInt(2);
            for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
                out.add(epoch);
            }
        }
        return out;
    }

    private static List<Integer> concat(List<Integer> a, List<Integer> b) {
        List<Integer> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
