package io.wharf.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A group being changed by one operation: every record the operation emits is also applied to
 * the draft (through {@link GroupReplay}), so later steps of the operation see the earlier
 * ones, and the emitted records reproduce the draft exactly when replayed. Single-threaded;
 * lives for one operation.
 */
final class GroupDraft {

    private final String groupId;
    private Optional<ConsumerGroup> group;
    private final List<GroupRecord> records = new ArrayList<>();

    GroupDraft(String groupId, Optional<ConsumerGroup> group) {
        this.groupId = groupId;
        this.group = group;
    }

    /** The group as the records so far leave it, {@link ConsumerGroup#empty} when it does not exist. */
    ConsumerGroup group() {
        return group.orElseGet(() -> ConsumerGroup.empty(groupId));
    }

    /** True when the group exists (before or because of this operation). */
    boolean exists() {
        return group.isPresent();
    }

    /** Emits {@code record} and applies it to the draft. */
    void append(GroupRecord record) {
        group = GroupReplay.apply(group, record);
        records.add(record);
    }

    /** Emits the tombstones that remove one member. */
    void removeMember(String memberId) {
        append(new GroupRecord.CurrentMember(groupId, memberId, Optional.empty()));
        append(new GroupRecord.TargetMember(groupId, memberId, Optional.empty()));
        append(new GroupRecord.Member(groupId, memberId, Optional.empty()));
    }

    /** Emits {@code current} for the member unless it already has exactly that. */
    void setCurrent(String memberId, CurrentAssignment current) {
        if (!group().currentAssignments().containsKey(memberId) || !group().current(memberId).equals(current)) {
            append(new GroupRecord.CurrentMember(groupId, memberId, Optional.of(current)));
        }
    }

    /** The records emitted so far, in order. */
    List<GroupRecord> records() {
        return List.copyOf(records);
    }
}
