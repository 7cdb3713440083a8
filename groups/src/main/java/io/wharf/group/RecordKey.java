package io.wharf.group;

import io.wharf.proto.group.GroupRecordType;
import java.util.Objects;

/**
 * The compaction key of a group record: a later record with an equal key supersedes an earlier
 * one. Fields a type does not use are "" (or -1 for the partition). Immutable.
 *
 * @param type      which record
 * @param groupId   the group
 * @param memberId  the member, for member, target-member and current-assignment records
 * @param topic     the topic, for offset-commit records
 * @param partition the partition, for offset-commit records
 */
public record RecordKey(GroupRecordType type, String groupId, String memberId, String topic, int partition) {

    public RecordKey {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(topic, "topic");
    }

    static RecordKey ofGroup(GroupRecordType type, String groupId) {
        return new RecordKey(type, groupId, "", "", -1);
    }

    static RecordKey ofMember(GroupRecordType type, String groupId, String memberId) {
        return new RecordKey(type, groupId, memberId, "", -1);
    }
}
