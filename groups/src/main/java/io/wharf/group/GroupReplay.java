package io.wharf.group;

import java.util.Optional;

/**
 * Applies one group record to a group: the only way a group changes. Pure; stateless. A record
 * for a group that does not exist yet creates it at epoch 0 first, because after compaction a
 * group's latest metadata record may follow its members' records in the log.
 */
final class GroupReplay {

    private GroupReplay() {
    }

    /**
     * The group after {@code record}; empty when the record deleted it.
     *
     * @throws IllegalArgumentException for an offset-commit record, which changes offsets, not the group,
     *                                  or a record of another group
     */
    static Optional<ConsumerGroup> apply(Optional<ConsumerGroup> before, GroupRecord record) {
        ConsumerGroup group = before.orElseGet(() -> ConsumerGroup.empty(record.groupId()));
        if (!group.groupId().equals(record.groupId())) {
            throw new IllegalArgumentException("record of group " + record.groupId() + " applied to " + group.groupId());
        }
        if (record instanceof GroupRecord.GroupMetadata metadata) {
            return metadata.value().map(group::withEpoch);
        } else if (record instanceof GroupRecord.Member member) {
            return Optional.of(group.withMember(member.memberId(), member.value()));
        } else if (record instanceof GroupRecord.TargetEpoch target) {
            return Optional.of(group.withAssignmentEpoch(target.value().orElse(0)));
        } else if (record instanceof GroupRecord.TargetMember target) {
            return Optional.of(group.withTarget(target.memberId(), target.value()));
        } else if (record instanceof GroupRecord.CurrentMember current) {
            return Optional.of(group.withCurrent(current.memberId(), current.value()));
        }
        throw new IllegalArgumentException("not a group-structure record: " + record);
    }
}
