package io.wharf.group;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Where one member is in reconciling: its epochs, its state, the partitions it holds and those it
 * must give up. Each partition carries its assignment epoch: the member epoch at which the
 * member got it (offset commits for it are accepted from that epoch on). The value of a
 * current-member-assignment record. Immutable.
 *
 * @param memberEpoch         the member's epoch; {@link #STATIC_LEFT_EPOCH} while a static member
 *                            is away
 * @param previousMemberEpoch the epoch before the last change of {@code memberEpoch}; a member that
 *                            missed that change's response may still heartbeat with it
 * @param state               where the member is in reconciling
 * @param assigned            partition → assignment epoch, the partitions the member was told it
 *                            holds; stored sorted
 * @param pendingRevocation   partition → assignment epoch, the partitions it must give up before
 *                            moving on; it still holds them; stored sorted
 */
public record CurrentAssignment(int memberEpoch, int previousMemberEpoch, MemberState state,
                                Map<TopicPartition, Integer> assigned,
                                Map<TopicPartition, Integer> pendingRevocation) {

    /** The epoch a static member has between leaving temporarily and its instance rejoining. */
    public static final int STATIC_LEFT_EPOCH = -2;

    private static final CurrentAssignment INITIAL =
            new CurrentAssignment(0, 0, MemberState.STABLE, new TreeMap<>(), new TreeMap<>());

    public CurrentAssignment {
        Objects.requireNonNull(state, "state");
        assigned = Collections.unmodifiableSortedMap(new TreeMap<>(assigned));
        pendingRevocation = Collections.unmodifiableSortedMap(new TreeMap<>(pendingRevocation));
    }

    /** A member that has just joined: epoch 0, nothing held. */
    public static CurrentAssignment initial() {
        return INITIAL;
    }

    /** The assigned partitions without their epochs. */
    public Assignment assignedPartitions() {
        return Assignment.ofPartitions(assigned.keySet());
    }

    /** The partitions pending revocation without their epochs. */
    public Assignment pendingPartitions() {
        return Assignment.ofPartitions(pendingRevocation.keySet());
    }

    /** The assignment epoch of a partition the member holds (assigned or pending), empty when it holds none. */
    public OptionalInt assignmentEpoch(TopicPartition partition) {
        Integer epoch = assigned.get(partition);
        if (epoch == null) {
            epoch = pendingRevocation.get(partition);
        }
        return epoch == null ? OptionalInt.empty() : OptionalInt.of(epoch);
    }

    /** Every partition the member holds (assigned and pending revocation). */
    public Map<TopicPartition, Integer> held() {
        SortedMap<TopicPartition, Integer> held = new TreeMap<>(assigned);
        held.putAll(pendingRevocation);
        return held;
    }
}
