package io.wharf.group;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.proto.group.CurrentMemberAssignmentValue;
import io.wharf.proto.group.GroupMetadataValue;
import io.wharf.proto.group.GroupRecordKey;
import io.wharf.proto.group.MemberMetadataValue;
import io.wharf.proto.group.MemberReconciliationState;
import io.wharf.proto.group.OffsetCommitValue;
import io.wharf.proto.group.SubscribedTopic;
import io.wharf.proto.group.TargetAssignmentMemberValue;
import io.wharf.proto.group.TargetAssignmentMetadataValue;
import io.wharf.proto.group.TopicPartitionEpochs;
import io.wharf.proto.group.TopicPartitions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The binary form of group records (messages of {@code group.proto}): a key, and a value that is
 * absent ({@code null}) for a tombstone. Equal keys encode to equal bytes, so compaction can
 * compare them as bytes. Stateless.
 */
public final class GroupRecordCodec {

    /**
     * One encoded record.
     *
     * @param key   the encoded {@code GroupRecordKey}
     * @param value the encoded value, {@code null} for a tombstone
     */
    public record Encoded(byte[] key, byte[] value) {
    }

    private GroupRecordCodec() {
    }

    /** Encodes a record. */
    public static Encoded encode(GroupRecord record) {
        RecordKey key = record.key();
        byte[] keyBytes = GroupRecordKey.newBuilder().setType(key.type()).setGroupId(key.groupId())
                .setMemberId(key.memberId()).setTopic(key.topic()).setPartition(key.partition()).build().toByteArray();
        return new Encoded(keyBytes, record.isTombstone() ? null : value(record));
    }

    /**
     * Decodes a record.
     *
     * @param value the value, {@code null} for a tombstone
     * @throws IllegalArgumentException when the bytes are not a group record (a corrupt log: fatal for the caller)
     */
    public static GroupRecord decode(byte[] key, byte[] value) {
        try {
            GroupRecordKey k = GroupRecordKey.parseFrom(key);
            boolean tombstone = value == null;
            return switch (k.getType()) {
                case GROUP_METADATA -> new GroupRecord.GroupMetadata(k.getGroupId(), tombstone ? Optional.empty()
                        : Optional.of(groupEpoch(GroupMetadataValue.parseFrom(value))));
                case MEMBER_METADATA -> new GroupRecord.Member(k.getGroupId(), k.getMemberId(), tombstone
                        ? Optional.empty() : Optional.of(member(MemberMetadataValue.parseFrom(value))));
                case TARGET_ASSIGNMENT_METADATA -> new GroupRecord.TargetEpoch(k.getGroupId(), tombstone
                        ? Optional.empty()
                        : Optional.of(TargetAssignmentMetadataValue.parseFrom(value).getAssignmentEpoch()));
                case TARGET_ASSIGNMENT_MEMBER -> new GroupRecord.TargetMember(k.getGroupId(), k.getMemberId(), tombstone
                        ? Optional.empty()
                        : Optional.of(assignment(TargetAssignmentMemberValue.parseFrom(value).getPartitionsList())));
                case CURRENT_MEMBER_ASSIGNMENT -> new GroupRecord.CurrentMember(k.getGroupId(), k.getMemberId(),
                        tombstone ? Optional.empty() : Optional.of(current(CurrentMemberAssignmentValue.parseFrom(value))));
                case OFFSET_COMMIT -> new GroupRecord.OffsetCommit(k.getGroupId(),
                        new TopicPartition(k.getTopic(), k.getPartition()), tombstone ? Optional.empty()
                        : Optional.of(offset(OffsetCommitValue.parseFrom(value))));
                default -> throw new IllegalArgumentException("unknown group record type " + k.getTypeValue());
            };
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("corrupt group record: " + e.getMessage(), e);
        }
    }

    private static byte[] value(GroupRecord record) {
        if (record instanceof GroupRecord.GroupMetadata r) {
            GroupMetadataValue.Builder b = GroupMetadataValue.newBuilder().setGroupEpoch(r.value().get().epoch());
            r.value().get().subscribedTopics().forEach((topic, count) ->
                    b.addSubscribedTopics(SubscribedTopic.newBuilder().setTopic(topic).setPartitionCount(count)));
            return b.build().toByteArray();
        } else if (record instanceof GroupRecord.Member r) {
            MemberMetadata m = r.value().get();
            return MemberMetadataValue.newBuilder().setInstanceId(m.instanceId().orElse(""))
                    .setRackId(m.rackId().orElse("")).addAllSubscribedTopicNames(m.subscribedTopicNames())
                    .setSubscribedTopicRegex(m.subscribedTopicRegex().orElse(""))
                    .setServerAssignor(m.serverAssignor().orElse("")).setSessionTimeoutMs(m.sessionTimeoutMs())
                    .setHeartbeatIntervalMs(m.heartbeatIntervalMs()).setRebalanceTimeoutMs(m.rebalanceTimeoutMs()).build()
                    .toByteArray();
        } else if (record instanceof GroupRecord.TargetEpoch r) {
            return TargetAssignmentMetadataValue.newBuilder().setAssignmentEpoch(r.value().get()).build().toByteArray();
        } else if (record instanceof GroupRecord.TargetMember r) {
            return TargetAssignmentMemberValue.newBuilder().addAllPartitions(partitions(r.value().get())).build()
                    .toByteArray();
        } else if (record instanceof GroupRecord.CurrentMember r) {
            CurrentAssignment c = r.value().get();
            return CurrentMemberAssignmentValue.newBuilder().setMemberEpoch(c.memberEpoch())
                    .setPreviousMemberEpoch(c.previousMemberEpoch())
                    .setState(MemberReconciliationState.valueOf(c.state().name()))
                    .addAllAssigned(withEpochs(c.assigned())).addAllPendingRevocation(withEpochs(c.pendingRevocation()))
                    .build().toByteArray();
        } else if (record instanceof GroupRecord.OffsetCommit r) {
            CommittedOffset o = r.value().get();
            return OffsetCommitValue.newBuilder().setOffset(o.offset()).setLeaderEpoch(o.leaderEpoch())
                    .setMetadata(o.metadata()).setCommitTimestampMs(o.commitTimestampMs()).build().toByteArray();
        }
        throw new IllegalArgumentException("unknown group record " + record);
    }

    private static GroupEpoch groupEpoch(GroupMetadataValue v) {
        SortedMap<String, Integer> topics = new TreeMap<>();
        v.getSubscribedTopicsList().forEach(t -> topics.put(t.getTopic(), t.getPartitionCount()));
        return new GroupEpoch(v.getGroupEpoch(), topics);
    }

    private static MemberMetadata member(MemberMetadataValue v) {
        return new MemberMetadata(nonEmpty(v.getInstanceId()), nonEmpty(v.getRackId()),
                new TreeSet<>(v.getSubscribedTopicNamesList()), nonEmpty(v.getSubscribedTopicRegex()),
                nonEmpty(v.getServerAssignor()), v.getSessionTimeoutMs(), v.getHeartbeatIntervalMs(),
                v.getRebalanceTimeoutMs());
    }

    private static CurrentAssignment current(CurrentMemberAssignmentValue v) {
        if (v.getState() == MemberReconciliationState.MEMBER_STATE_UNSPECIFIED
                || v.getState() == MemberReconciliationState.UNRECOGNIZED) {
            throw new IllegalArgumentException("current member assignment without a known state: " + v.getState());
        }
        return new CurrentAssignment(v.getMemberEpoch(), v.getPreviousMemberEpoch(),
                MemberState.valueOf(v.getState().name()), epochs(v.getAssignedList()),
                epochs(v.getPendingRevocationList()));
    }

    private static CommittedOffset offset(OffsetCommitValue v) {
        return new CommittedOffset(v.getOffset(), v.getLeaderEpoch(), v.getMetadata(), v.getCommitTimestampMs());
    }

    private static List<TopicPartitions> partitions(Assignment assignment) {
        List<TopicPartitions> result = new ArrayList<>();
        assignment.partitions().forEach((topic, indexes) ->
                result.add(TopicPartitions.newBuilder().setTopic(topic).addAllPartitions(indexes).build()));
        return result;
    }

    private static Assignment assignment(List<TopicPartitions> topics) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        topics.forEach(t -> byTopic.computeIfAbsent(t.getTopic(), k -> new ArrayList<>()).addAll(t.getPartitionsList()));
        return Assignment.of(byTopic);
    }

    private static List<TopicPartitionEpochs> withEpochs(Map<TopicPartition, Integer> partitions) {
        Map<String, TopicPartitionEpochs.Builder> byTopic = new TreeMap<>();
        partitions.forEach((tp, epoch) -> byTopic.computeIfAbsent(tp.topic(),
                t -> TopicPartitionEpochs.newBuilder().setTopic(t)).addPartitions(tp.partition()).addAssignmentEpochs(epoch));
        return byTopic.values().stream().map(TopicPartitionEpochs.Builder::build).toList();
    }

    private static SortedMap<TopicPartition, Integer> epochs(List<TopicPartitionEpochs> topics) {
        SortedMap<TopicPartition, Integer> result = new TreeMap<>();
        for (TopicPartitionEpochs topic : topics) {
            if (topic.getPartitionsCount() != topic.getAssignmentEpochsCount()) {
                throw new IllegalArgumentException("topic " + topic.getTopic() + " has " + topic.getPartitionsCount()
                        + " partitions but " + topic.getAssignmentEpochsCount() + " assignment epochs");
            }
            for (int i = 0; i < topic.getPartitionsCount(); i++) {
                result.put(new TopicPartition(topic.getTopic(), topic.getPartitions(i)), topic.getAssignmentEpochs(i));
            }
        }
        return result;
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
