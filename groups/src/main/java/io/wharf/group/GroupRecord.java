package io.wharf.group;

import io.wharf.proto.group.GroupRecordType;
import java.util.Objects;
import java.util.Optional;

/**
 * One change to the coordinator's state, as appended to the group log. Each record has a
 * {@link #key()} and an optional value: an empty value is a tombstone that deletes the key.
 * Replaying the records of a log in order rebuilds the state. Immutable.
 */
public sealed interface GroupRecord {

    /** The compaction key. */
    RecordKey key();

    /** True when this record deletes its key. */
    boolean isTombstone();

    /** The group the record belongs to. */
    default String groupId() {
        return key().groupId();
    }

    /** The group exists with this epoch and these subscribed topics; a tombstone deletes the group. */
    record GroupMetadata(String groupId, Optional<GroupEpoch> value) implements GroupRecord {
        public GroupMetadata {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return RecordKey.ofGroup(GroupRecordType.GROUP_METADATA, groupId);
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }

    /** A member's metadata; a tombstone removes the member. */
    record Member(String groupId, String memberId, Optional<MemberMetadata> value) implements GroupRecord {
        public Member {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return RecordKey.ofMember(GroupRecordType.MEMBER_METADATA, groupId, memberId);
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }

    /** The group epoch the target assignment was computed at; a tombstone resets it with the group. */
    record TargetEpoch(String groupId, Optional<Integer> value) implements GroupRecord {
        public TargetEpoch {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return RecordKey.ofGroup(GroupRecordType.TARGET_ASSIGNMENT_METADATA, groupId);
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }

    /** One member's target assignment; a tombstone removes it. */
    record TargetMember(String groupId, String memberId, Optional<Assignment> value) implements GroupRecord {
        public TargetMember {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return RecordKey.ofMember(GroupRecordType.TARGET_ASSIGNMENT_MEMBER, groupId, memberId);
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }

    /** Where one member is in reconciling; a tombstone removes it. */
    record CurrentMember(String groupId, String memberId, Optional<CurrentAssignment> value) implements GroupRecord {
        public CurrentMember {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(memberId, "memberId");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return RecordKey.ofMember(GroupRecordType.CURRENT_MEMBER_ASSIGNMENT, groupId, memberId);
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }

    /** One partition's committed offset; a tombstone deletes it. */
    record OffsetCommit(String groupId, TopicPartition partition, Optional<CommittedOffset> value)
            implements GroupRecord {
        public OffsetCommit {
            Objects.requireNonNull(groupId, "groupId");
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(value, "value");
        }

        @Override
        public RecordKey key() {
            return new RecordKey(GroupRecordType.OFFSET_COMMIT, groupId, "", partition.topic(), partition.partition());
        }

        @Override
        public boolean isTombstone() {
            return value.isEmpty();
        }
    }
}
