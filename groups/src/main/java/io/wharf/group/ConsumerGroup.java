package io.wharf.group;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One consumer group as its records built it: epochs, members, target and current assignments.
 * Committed offsets are kept beside it, not in it. Immutable; the {@code with...} methods return
 * a new group and are used only by {@link GroupReplay}.
 *
 * @param groupId            the group id
 * @param epoch              the group epoch and the topics it was computed from
 * @param assignmentEpoch    the group epoch the target assignment was computed at
 * @param targetAssignment   member id → the partitions the assignor gave it
 * @param members            member id → what the member said about itself
 * @param currentAssignments member id → where it is in reconciling; a member without an entry
 *                           has {@link CurrentAssignment#initial()}
 */
public record ConsumerGroup(String groupId, GroupEpoch epoch, int assignmentEpoch,
                            SortedMap<String, Assignment> targetAssignment, SortedMap<String, MemberMetadata> members,
                            SortedMap<String, CurrentAssignment> currentAssignments) {

    public ConsumerGroup {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(epoch, "epoch");
        targetAssignment = Collections.unmodifiableSortedMap(new TreeMap<>(targetAssignment));
        members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
        currentAssignments = Collections.unmodifiableSortedMap(new TreeMap<>(currentAssignments));
    }

    /** A group with no members at epoch 0. */
    public static ConsumerGroup empty(String groupId) {
        return new ConsumerGroup(groupId, new GroupEpoch(0, new TreeMap<>()), 0, new TreeMap<>(), new TreeMap<>(),
                new TreeMap<>());
    }

    /** The group epoch. */
    public int groupEpoch() {
        return epoch.epoch();
    }

    /** One member's metadata, empty when it is not a member. */
    public Optional<MemberMetadata> member(String memberId) {
        return Optional.ofNullable(members.get(memberId));
    }

    /** Where one member is in reconciling ({@link CurrentAssignment#initial()} when it has no record). */
    public CurrentAssignment current(String memberId) {
        return currentAssignments.getOrDefault(memberId, CurrentAssignment.initial());
    }

    /** One member's target, empty when it has none. */
    public Assignment target(String memberId) {
        return targetAssignment.getOrDefault(memberId, Assignment.empty());
    }

    /** The id of the member with static instance id {@code instanceId}, empty when none has it. */
    public Optional<String> memberWithInstance(String instanceId) {
        return members.entrySet().stream()
                .filter(e -> e.getValue().instanceId().filter(instanceId::equals).isPresent())
                .map(Map.Entry::getKey)
                .findFirst();
    }

    /** Partition → the member holding it (assigned or pending revocation). */
    public Map<TopicPartition, String> owners() {
        Map<TopicPartition, String> owners = new HashMap<>();
        currentAssignments.forEach((memberId, current) -> current.held().keySet().forEach(tp -> owners.put(tp, memberId)));
        return owners;
    }

    /** True when the group has no members. */
    public boolean isEmpty() {
        return members.isEmpty();
    }

    /** The state describe shows. */
    public GroupState state() {
        if (members.isEmpty()) {
            return GroupState.EMPTY;
        }
        if (assignmentEpoch < groupEpoch()) {
            return GroupState.ASSIGNING;
        }
        for (String memberId : members.keySet()) {
            CurrentAssignment current = current(memberId);
            if (current.memberEpoch() != assignmentEpoch || current.state() != MemberState.STABLE) {
                return GroupState.RECONCILING;
            }
        }
        return GroupState.STABLE;
    }

    ConsumerGroup withEpoch(GroupEpoch newEpoch) {
        return new ConsumerGroup(groupId, newEpoch, assignmentEpoch, targetAssignment, members, currentAssignments);
    }

    ConsumerGroup withAssignmentEpoch(int newAssignmentEpoch) {
        return new ConsumerGroup(groupId, epoch, newAssignmentEpoch, targetAssignment, members, currentAssignments);
    }

    ConsumerGroup withMember(String memberId, Optional<MemberMetadata> metadata) {
        return new ConsumerGroup(groupId, epoch, assignmentEpoch, targetAssignment, put(members, memberId, metadata),
                currentAssignments);
    }

    ConsumerGroup withTarget(String memberId, Optional<Assignment> target) {
        return new ConsumerGroup(groupId, epoch, assignmentEpoch, put(targetAssignment, memberId, target), members,
                currentAssignments);
    }

    ConsumerGroup withCurrent(String memberId, Optional<CurrentAssignment> current) {
        return new ConsumerGroup(groupId, epoch, assignmentEpoch, targetAssignment, members,
                put(currentAssignments, memberId, current));
    }

    private static <V> SortedMap<String, V> put(SortedMap<String, V> map, String key, Optional<V> value) {
        SortedMap<String, V> copy = new TreeMap<>(map);
        value.ifPresentOrElse(v -> copy.put(key, v), () -> copy.remove(key));
        return copy;
    }
}
