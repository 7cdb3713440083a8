package io.wharf.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;

/**
 * Deleting a whole group, or one topic's offsets of a group: the rules and the tombstones. Pure;
 * stateless.
 */
final class GroupDeletions {

    private GroupDeletions() {
    }

    /**
     * Deletes an empty group with its offsets. Answers how many offsets were deleted.
     *
     * @param offsets the group's committed offsets
     */
    static GroupResult<Integer> deleteGroup(String groupId, Optional<ConsumerGroup> group,
                                            SortedMap<TopicPartition, CommittedOffset> offsets) {
        Optional<GroupError> invalid = GroupError.checkGroupId(groupId);
        if (invalid.isPresent()) {
            return GroupResult.rejected(invalid.get().code(), invalid.get().message());
        }
        if (group.isEmpty()) {
            return notFound(groupId);
        }
        if (!group.get().isEmpty()) {
            return GroupResult.rejected(GroupErrorCode.NON_EMPTY_GROUP, "group " + groupId + " has members "
                    + group.get().members().keySet() + ": stop its consumers (or wait for their sessions to expire) "
                    + "before deleting it");
        }
        List<GroupRecord> records = new ArrayList<>(tombstones(groupId, offsets));
        group.get().targetAssignment().keySet().forEach(memberId ->
                records.add(new GroupRecord.TargetMember(groupId, memberId, Optional.empty())));
        records.add(new GroupRecord.TargetEpoch(groupId, Optional.empty()));
        records.add(new GroupRecord.GroupMetadata(groupId, Optional.empty()));
        return GroupResult.ok(records, offsets.size());
    }

    /**
     * Deletes the offsets of {@code topic} unless a member subscribes to it. Answers how many were
     * deleted.
     */
    static GroupResult<Integer> deleteOffsets(String groupId, String topic, Optional<ConsumerGroup> group,
                                              SortedMap<TopicPartition, CommittedOffset> offsets) {
        Optional<GroupError> invalid = GroupError.checkGroupId(groupId);
        if (invalid.isPresent()) {
            return GroupResult.rejected(invalid.get().code(), invalid.get().message());
        }
        if (group.isEmpty()) {
            return notFound(groupId);
        }
        for (Map.Entry<String, MemberMetadata> member : group.get().members().entrySet()) {
            if (member.getValue().subscribesTo(topic)) {
                return GroupResult.rejected(GroupErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, "member " + member.getKey()
                        + " of group " + groupId + " subscribes to " + topic + ": change its subscription or stop it "
                        + "before deleting the topic's offsets");
            }
        }
        List<GroupRecord> records = tombstones(groupId, offsets.keySet().stream()
                .filter(tp -> tp.topic().equals(topic)).toList());
        return GroupResult.ok(records, records.size());
    }

    private static List<GroupRecord> tombstones(String groupId, SortedMap<TopicPartition, CommittedOffset> offsets) {
        return tombstones(groupId, List.copyOf(offsets.keySet()));
    }

    private static List<GroupRecord> tombstones(String groupId, List<TopicPartition> partitions) {
        List<GroupRecord> records = new ArrayList<>();
        partitions.forEach(tp -> records.add(new GroupRecord.OffsetCommit(groupId, tp, Optional.empty())));
        return records;
    }

    private static <T> GroupResult<T> notFound(String groupId) {
        return GroupResult.rejected(GroupErrorCode.GROUP_ID_NOT_FOUND, "group " + groupId + " does not exist: "
                + "check the id (groups list shows them)");
    }
}
