package io.wharf.broker.group;

import io.wharf.broker.partition.PartitionLookup;
import io.wharf.group.Assignment;
import io.wharf.group.CommittedOffset;
import io.wharf.group.ConsumerGroup;
import io.wharf.group.CurrentAssignment;
import io.wharf.group.GroupError;
import io.wharf.group.HeartbeatRequest;
import io.wharf.group.HeartbeatResponse;
import io.wharf.group.MemberMetadata;
import io.wharf.group.TopicPartition;
import io.wharf.proto.broker.CommittedPartitionOffset;
import io.wharf.proto.broker.DescribeGroupResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.GroupMemberDescription;
import io.wharf.proto.broker.GroupTopicPartitions;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/** Between the wire messages of broker.proto and the coordinator's model ({@code io.wharf.group}). Stateless. */
final class GroupMessages {

    private GroupMessages() {
    }

    /** The wire error of a coordinator rejection: the codes share their names. */
    static Error error(GroupError error) {
        return PartitionLookup.error(ErrorCode.valueOf(error.code().name()), error.message());
    }

    static HeartbeatRequest heartbeat(GroupHeartbeatRequest request) {
        return new HeartbeatRequest(request.getGroupId(), request.getMemberId(), request.getMemberEpoch(),
                request.hasInstanceId() ? Optional.of(request.getInstanceId()) : Optional.empty(),
                request.hasRackId() ? Optional.of(request.getRackId()) : Optional.empty(),
                request.hasSubscribedTopicNames()
                        ? Optional.of(List.copyOf(request.getSubscribedTopicNames().getNamesList())) : Optional.empty(),
                request.hasSubscribedTopicRegex() ? Optional.of(request.getSubscribedTopicRegex()) : Optional.empty(),
                request.hasServerAssignor() ? Optional.of(request.getServerAssignor()) : Optional.empty(),
                request.hasSessionTimeoutMs() ? OptionalInt.of(request.getSessionTimeoutMs()) : OptionalInt.empty(),
                request.hasHeartbeatIntervalMs() ? OptionalInt.of(request.getHeartbeatIntervalMs()) : OptionalInt.empty(),
                request.hasRebalanceTimeoutMs() ? OptionalInt.of(request.getRebalanceTimeoutMs()) : OptionalInt.empty(),
                request.hasOwnedPartitions()
                        ? Optional.of(assignment(request.getOwnedPartitions().getTopicsList())) : Optional.empty());
    }

    static GroupHeartbeatResponse heartbeat(HeartbeatResponse response) {
        return GroupHeartbeatResponse.newBuilder().setError(PartitionLookup.none()).setMemberId(response.memberId())
                .setMemberEpoch(response.memberEpoch()).setHeartbeatIntervalMs(response.heartbeatIntervalMs())
                .addAllAssignment(topics(response.assignment())).build();
    }

    static Assignment assignment(List<GroupTopicPartitions> topics) {
        SortedMap<String, List<Integer>> partitions = new TreeMap<>();
        for (GroupTopicPartitions topic : topics) {
            partitions.computeIfAbsent(topic.getTopic(), t -> new ArrayList<>()).addAll(topic.getPartitionsList());
        }
        return Assignment.of(partitions);
    }

    static List<GroupTopicPartitions> topics(Assignment assignment) {
        List<GroupTopicPartitions> out = new ArrayList<>();
        assignment.partitions().forEach((topic, partitions) -> out.add(GroupTopicPartitions.newBuilder()
                .setTopic(topic).addAllPartitions(partitions).build()));
        return out;
    }

    static CommittedPartitionOffset offset(TopicPartition partition, CommittedOffset offset) {
        return CommittedPartitionOffset.newBuilder().setTopic(partition.topic()).setPartition(partition.partition())
                .setOffset(offset.offset()).setLeaderEpoch(offset.leaderEpoch()).setMetadata(offset.metadata())
                .setCommitTimestampMs(offset.commitTimestampMs()).build();
    }

    static List<CommittedPartitionOffset> offsets(Map<TopicPartition, CommittedOffset> offsets) {
        List<CommittedPartitionOffset> out = new ArrayList<>();
        new TreeMap<>(offsets).forEach((partition, offset) -> out.add(offset(partition, offset)));
        return out;
    }

    /** A group as describe shows it; {@code hosts} gives the address each member last heartbeated from. */
    static DescribeGroupResponse.Builder describe(ConsumerGroup group, Map<String, String> hosts) {
        DescribeGroupResponse.Builder out = DescribeGroupResponse.newBuilder().setError(PartitionLookup.none())
                .setGroupId(group.groupId()).setState(group.state().name()).setGroupEpoch(group.groupEpoch())
                .setAssignmentEpoch(group.assignmentEpoch());
        group.members().forEach((memberId, metadata) -> out.addMembers(member(group, memberId, metadata,
                hosts.getOrDefault(memberId, ""))));
        return out;
    }

    private static GroupMemberDescription member(ConsumerGroup group, String memberId, MemberMetadata metadata,
                                                 String host) {
        CurrentAssignment current = group.current(memberId);
        return GroupMemberDescription.newBuilder().setMemberId(memberId)
                .setInstanceId(metadata.instanceId().orElse("")).setRackId(metadata.rackId().orElse(""))
                .setMemberEpoch(current.memberEpoch()).setState(current.state().name())
                .addAllSubscribedTopicNames(new TreeSet<>(metadata.subscribedTopicNames()))
                .setSubscribedTopicRegex(metadata.subscribedTopicRegex().orElse(""))
                .addAllAssigned(topics(current.assignedPartitions())).addAllTarget(topics(group.target(memberId)))
                .setClientHost(host).build();
    }
}
