package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cluster.GroupHistory.Change;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The consumer group checks of {@link GroupHistory} on histories built by hand: each anomaly
 * planted is found, and a clean history (with the concurrency a real run has) passes.
 */
class GroupCheckersTest {

    @Test
    void aHandOverWithConcurrentCommitsAndRefusedZombieCommitsIsClean() {
        GroupHistory history = new GroupHistory(0);
        owned(history, "a", 2, Change.ASSIGNED, Set.of(0, 1), 0);
        commit(history, "a", 2, Map.of(0, 20L), 10, 15, true);
        commit(history, "a", 2, Map.of(0, 12L), 11, 14, true);  // in flight with the one above: not ordered
        read(history, Map.of(0, 12L), 12);                       // started before either ack
        read(history, Map.of(0, 20L, 1, 3L), 16);
        owned(history, "a", 2, Change.REVOKED, Set.of(0), 20);
        owned(history, "a", 2, Change.HELD, Set.of(1), 21);
        owned(history, "b", 3, Change.ASSIGNED, Set.of(0), 22);
        owned(history, "b", 3, Change.HELD, Set.of(0), 22);
        commit(history, "b", 3, Map.of(0, 25L), 23, 24, true);
        owned(history, "a", 4, Change.HELD, Set.of(1), 25);       // kept partition 1 into a new epoch
        commit(history, "a", 4, Map.of(1, 5L), 26, 27, true);
        owned(history, "c", 5, Change.ASSIGNED, Set.of(1), 40);   // a was fenced; a zombie until it learns so
        commit(history, "a", 4, Map.of(1, 7L), 41, 42, false);    // refused, as it must be
        owned(history, "a", 4, Change.LOST, Set.of(1), 43);
        read(history, Map.of(0, 25L, 1, 5L), 50);

        assertEquals(List.of(), history.anomalies());
        assertEquals(4, history.acknowledgedCommits());
        assertEquals(1, history.failedCommits());
        assertEquals(1, history.losses());
    }

    @Test
    void aCommitLowerThanOneAcknowledgedBeforeItWasSentIsARegression() {
        GroupHistory history = new GroupHistory(0);
        commit(history, "a", 2, Map.of(0, 20L), 10, 15, true);
        commit(history, "b", 3, Map.of(0, 15L), 16, 17, true);
        assertOne("1 regressed commits", "partition 0: 15 committed by b (epoch 3) sent at 0.016 s, after 20 "
                + "committed by a (epoch 2) was acknowledged at 0.015 s", history.anomalies());
    }

    @Test
    void aReadStartedAfterAnAcknowledgedCommitThatReturnsLessOrNothingIsFound() {
        GroupHistory history = new GroupHistory(0);
        commit(history, "a", 2, Map.of(0, 20L, 1, 4L), 10, 15, true);
        read(history, Map.of(0, 20L, 1, 4L), 16);
        read(history, Map.of(0, 19L, 1, 4L), 17);
        read(history, Map.of(0, 20L), 18);
        List<String> anomalies = history.anomalies();
        assertOne("2 reads below an acknowledged commit", "partition 0: read 19 in an OffsetFetch started at 0.017 s",
                anomalies);
        assertTrue(anomalies.get(0).contains("partition 1: read no offset"), anomalies.toString());
    }

    @Test
    void aPartitionHeldByTwoMembersAtOneEpochIsFound() {
        GroupHistory history = new GroupHistory(0);
        owned(history, "a", 4, Change.ASSIGNED, Set.of(0, 1), 10);
        owned(history, "b", 4, Change.HELD, Set.of(1, 2), 11);
        owned(history, "c", 0, Change.HELD, Set.of(1), 12);  // epoch 0: joining, holds nothing
        assertOne("1 partitions owned twice in one epoch", "partition 1 at epoch 4 by [a, b]", history.anomalies());
    }

    @Test
    void aCommitAcknowledgedAfterAnotherMemberHeldThePartitionAtALaterEpochIsAZombieCommit() {
        GroupHistory history = new GroupHistory(0);
        owned(history, "a", 2, Change.ASSIGNED, Set.of(0), 0);
        owned(history, "b", 4, Change.ASSIGNED, Set.of(0), 10);
        commit(history, "a", 2, Map.of(0, 5L), 9, 12, true);   // sent before b held it: not judged
        commit(history, "a", 2, Map.of(0, 6L), 11, 13, true);
        assertOne("1 zombie commits", "partition 0: 6 committed by a at epoch 2, sent at 0.011 s, acknowledged at "
                + "0.013 s, but b held it at epoch 4 from 0.010 s", history.anomalies());
    }

    private static void owned(GroupHistory history, String member, int epoch, Change change, Set<Integer> partitions,
                              long atMs) {
        history.owned(new GroupHistory.Ownership(member, epoch, change, partitions, nanos(atMs)));
    }

    private static void commit(GroupHistory history, String member, int epoch, Map<Integer, Long> offsets,
                               long sentMs, long doneMs, boolean acknowledged) {
        history.committed(new GroupHistory.Commit(member, epoch, offsets, nanos(sentMs), nanos(doneMs), acknowledged,
                acknowledged ? null : "FENCED_MEMBER_EPOCH"));
    }

    private static void read(GroupHistory history, Map<Integer, Long> offsets, long startMs) {
        history.read(new GroupHistory.Read(offsets, nanos(startMs), nanos(startMs + 1)));
    }

    private static long nanos(long ms) {
        return ms * 1_000_000;
    }

    private static void assertOne(String expectedStart, String expectedExample, List<String> anomalies) {
        assertEquals(1, anomalies.size(), anomalies.toString());
        assertTrue(anomalies.get(0).startsWith(expectedStart), anomalies.toString());
        assertTrue(anomalies.get(0).contains(expectedExample), anomalies.toString());
    }
}
