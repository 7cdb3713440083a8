package io.wharf.group;

import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Moves one member toward its target assignment, one safe step per heartbeat. Pure; stateless.
 *
 * <p>The rules that keep a partition from having two owners:
 * <ul>
 * <li>A member that holds partitions its target no longer has must revoke them first: it stays at
 *     its epoch in {@link MemberState#UNREVOKED_PARTITIONS}, keeps only the partitions it may
 *     keep, and moves on once a heartbeat reports it no longer owns any partition pending
 *     revocation.
 * <li>A member moving to the target's epoch gets only the target partitions no other member
 *     holds (assigned or pending revocation); it waits for the rest in
 *     {@link MemberState#UNRELEASED_PARTITIONS} and takes each once its holder let it go.
 * <li>A member holding exactly its target at the target's epoch is {@link MemberState#STABLE}.
 * </ul>
 * A partition the member reports it no longer owns needs no revocation, so a member that joins
 * or rejoins (reporting nothing) never waits on itself.
 */
final class Reconciler {

    /** Whether a partition is held by another member than the one reconciling. */
    @FunctionalInterface
    interface OtherOwners {
        boolean heldByOther(TopicPartition partition);
    }

    private Reconciler() {
    }

    /**
     * The member's next state.
     *
     * @param current     where the member is
     * @param targetEpoch the target assignment's epoch
     * @param target      the member's target partitions
     * @param owned       the partitions the member reports it owns, empty when it did not report them
     * @param others      who else holds partitions
     */
    static CurrentAssignment reconcile(CurrentAssignment current, int targetEpoch, Assignment target,
                                       Optional<Assignment> owned, OtherOwners others) {
        switch (current.state()) {
            case UNREVOKED_PARTITIONS -> {
                boolean stillOwnsRevoked = owned.isEmpty() || owned.get().overlaps(current.pendingPartitions());
                if (stillOwnsRevoked) {
                    return current;
                }
                CurrentAssignment revoked = new CurrentAssignment(current.memberEpoch(), current.previousMemberEpoch(),
                        MemberState.STABLE, current.assigned(), new TreeMap<>());
                return next(revoked, targetEpoch, target, owned, others);
            }
            case STABLE -> {
                return current.memberEpoch() == targetEpoch ? current : next(current, targetEpoch, target, owned, others);
            }
            default -> {
                return next(current, targetEpoch, target, owned, others);
            }
        }
    }

    private static CurrentAssignment next(CurrentAssignment current, int targetEpoch, Assignment target,
                                          Optional<Assignment> owned, OtherOwners others) {
        SortedMap<TopicPartition, Integer> kept = new TreeMap<>();
        SortedMap<TopicPartition, Integer> revoke = new TreeMap<>();
        current.assigned().forEach((tp, epoch) -> {
            if (target.contains(tp.topic(), tp.partition())) {
                kept.put(tp, epoch);
            } else if (owned.map(o -> o.contains(tp.topic(), tp.partition())).orElse(true)) {
                revoke.put(tp, epoch);
            }
        });
        if (!revoke.isEmpty()) {
            return new CurrentAssignment(current.memberEpoch(), current.previousMemberEpoch(),
                    MemberState.UNREVOKED_PARTITIONS, kept, revoke);
        }
        SortedMap<TopicPartition, Integer> assigned = new TreeMap<>(kept);
        boolean waiting = false;
        for (Map.Entry<String, SortedSet<Integer>> topic : target.partitions().entrySet()) {
            for (int partition : topic.getValue()) {
                TopicPartition tp = new TopicPartition(topic.getKey(), partition);
                if (assigned.containsKey(tp)) {
                    continue;
                }
                if (others.heldByOther(tp)) {
                    waiting = true;
                } else {
                    assigned.put(tp, targetEpoch);
                }
            }
        }
        int previous = targetEpoch != current.memberEpoch() ? current.memberEpoch() : current.previousMemberEpoch();
        return new CurrentAssignment(targetEpoch, previous,
                waiting ? MemberState.UNRELEASED_PARTITIONS : MemberState.STABLE, assigned, new TreeMap<>());
    }
}
