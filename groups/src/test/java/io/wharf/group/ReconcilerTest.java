package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ReconcilerTest {

    private static final Reconciler.OtherOwners NOBODY = tp -> false;

    private static SortedMap<TopicPartition, Integer> held(int epoch, int... partitions) {
        SortedMap<TopicPartition, Integer> held = new TreeMap<>();
        for (int p : partitions) {
            held.put(new TopicPartition("t", p), epoch);
        }
        return held;
    }

    private static CurrentAssignment stable(int epoch, int... partitions) {
        return new CurrentAssignment(epoch, epoch - 1, MemberState.STABLE, held(epoch, partitions), Map.of());
    }

    @Test
    void aStableMemberAtTheTargetEpochStaysAsItIs() {
        CurrentAssignment current = stable(3, 0, 1);
        assertSame(current, Reconciler.reconcile(current, 3, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0, 1)), NOBODY));
    }

    @Test
    void freePartitionsAreGivenAtTheNewEpochAndKeptOnesKeepTheirEpoch() {
        CurrentAssignment next = Reconciler.reconcile(stable(3, 0), 5, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0)), NOBODY);
        assertEquals(new CurrentAssignment(5, 3, MemberState.STABLE, Map.of(new TopicPartition("t", 0), 3,
                new TopicPartition("t", 1), 5), Map.of()), next);
    }

    @Test
    void aMemberRevokesBeforeItMovesToTheNewEpoch() {
        CurrentAssignment revoking = Reconciler.reconcile(stable(3, 0, 1), 4, Assignment.of("t", 0),
                Optional.of(Assignment.of("t", 0, 1)), NOBODY);
        assertEquals(new CurrentAssignment(3, 2, MemberState.UNREVOKED_PARTITIONS, held(3, 0), held(3, 1)), revoking);

        CurrentAssignment stillOwning = Reconciler.reconcile(revoking, 4, Assignment.of("t", 0),
                Optional.of(Assignment.of("t", 0, 1)), NOBODY);
        assertSame(revoking, stillOwning);
        CurrentAssignment notReporting = Reconciler.reconcile(revoking, 4, Assignment.of("t", 0), Optional.empty(),
                NOBODY);
        assertSame(revoking, notReporting);

        CurrentAssignment revoked = Reconciler.reconcile(revoking, 4, Assignment.of("t", 0),
                Optional.of(Assignment.of("t", 0)), NOBODY);
        assertEquals(new CurrentAssignment(4, 3, MemberState.STABLE, held(3, 0), Map.of()), revoked);
    }

    @Test
    void aPartitionTheMemberNoLongerOwnsNeedsNoRevocation() {
        CurrentAssignment next = Reconciler.reconcile(stable(3, 0, 1), 4, Assignment.of("t", 0),
                Optional.of(Assignment.of("t", 0)), NOBODY);
        assertEquals(new CurrentAssignment(4, 3, MemberState.STABLE, held(3, 0), Map.of()), next);
    }

    @Test
    void aPartitionStillHeldByAnotherMemberWaitsUntilReleased() {
        Set<TopicPartition> heldByOthers = new HashSet<>(Set.of(new TopicPartition("t", 1)));
        Reconciler.OtherOwners others = heldByOthers::contains;
        CurrentAssignment waiting = Reconciler.reconcile(stable(3, 0), 4, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0)), others);
        assertEquals(new CurrentAssignment(4, 3, MemberState.UNRELEASED_PARTITIONS, held(3, 0), Map.of()), waiting);
        assertSame(waiting.state(), Reconciler.reconcile(waiting, 4, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0)), others).state());

        heldByOthers.clear();
        CurrentAssignment released = Reconciler.reconcile(waiting, 4, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0)), others);
        SortedMap<TopicPartition, Integer> expected = held(3, 0);
        expected.put(new TopicPartition("t", 1), 4);
        assertEquals(new CurrentAssignment(4, 3, MemberState.STABLE, expected, Map.of()), released);
    }

    @Test
    void aWaitingMemberWhoseTargetMovesOnRevokesFirst() {
        CurrentAssignment waiting = new CurrentAssignment(4, 3, MemberState.UNRELEASED_PARTITIONS, held(3, 0, 2),
                Map.of());
        CurrentAssignment next = Reconciler.reconcile(waiting, 5, Assignment.of("t", 0, 1),
                Optional.of(Assignment.of("t", 0, 2)), NOBODY);
        assertEquals(new CurrentAssignment(4, 3, MemberState.UNREVOKED_PARTITIONS, held(3, 0), held(3, 2)), next);
    }

    @Test
    void aJoiningMemberStartsFromEpochZero() {
        CurrentAssignment next = Reconciler.reconcile(CurrentAssignment.initial(), 7, Assignment.of("t", 2),
                Optional.of(Assignment.empty()), NOBODY);
        assertEquals(new CurrentAssignment(7, 0, MemberState.STABLE, held(7, 2), Map.of()), next);
    }
}
