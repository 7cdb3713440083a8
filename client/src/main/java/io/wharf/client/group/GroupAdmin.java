package io.wharf.client.group;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.OffsetLookup;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.CommittedPartitionOffset;
import io.wharf.proto.broker.DeleteGroupRequest;
import io.wharf.proto.broker.DeleteGroupResponse;
import io.wharf.proto.broker.DeleteOffsetsRequest;
import io.wharf.proto.broker.DeleteOffsetsResponse;
import io.wharf.proto.broker.DescribeGroupRequest;
import io.wharf.proto.broker.DescribeGroupResponse;
import io.wharf.proto.broker.GroupMemberDescription;
import io.wharf.proto.broker.GroupTopicPartitions;
import io.wharf.proto.broker.ListGroupsRequest;
import io.wharf.proto.broker.ListedGroup;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitPartitionResult;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Administers consumer groups through the brokers, after Kafka's kafka-consumer-groups: list,
 * describe with lag, delete a group, delete a topic's offsets, and reset offsets by admin commits
 * (member epoch -1, which the coordinator accepts only while the group has no members). Requests
 * go to each group's coordinator ({@link GroupCoordinatorClient}); retriable failures are retried
 * until the timeout. Every refusal is a {@link ClientException} with the wire code and a message
 * naming what to fix. Thread-safe.
 */
public final class GroupAdmin implements AutoCloseable {

    private static final Duration RETRY_BACKOFF = Duration.ofMillis(100);

    private final EndpointChannels channels;
    private final ClientMetadata metadata;
    private final GroupCoordinatorClient coordinator;
    private final OffsetLookup offsets;
    private final Duration timeout;
    private final Duration attemptTimeout;

    /** Over plaintext gRPC to {@code bootstrap}; every operation gives up after {@code timeout}. */
    public GroupAdmin(List<Endpoint> bootstrap, Duration timeout) {
        this(bootstrap, timeout, EndpointChannels.plaintext());
    }

    /** With channels from {@code channelFactory} (tests use in-process channels). */
    public GroupAdmin(List<Endpoint> bootstrap, Duration timeout, Function<Endpoint, ManagedChannel> channelFactory) {
        this.channels = new EndpointChannels(channelFactory);
        this.timeout = timeout;
        this.attemptTimeout = timeout.compareTo(Duration.ofSeconds(5)) < 0 ? timeout : Duration.ofSeconds(5);
        this.metadata = new ClientMetadata(bootstrap, channels, attemptTimeout, Duration.ofMinutes(5), RETRY_BACKOFF,
                System::currentTimeMillis);
        this.coordinator = new GroupCoordinatorClient(bootstrap, metadata, channels, attemptTimeout, RETRY_BACKOFF);
        this.offsets = new OffsetLookup(metadata, channels, attemptTimeout, RETRY_BACKOFF);
    }

    /**
     * Every group of the cluster, sorted by id: each broker lists the groups it coordinates, so
     * every broker is asked.
     *
     * @throws ClientException REQUEST_TIMED_OUT naming a broker that did not answer (the list would
     *     miss its groups)
     */
    public List<GroupListing> listGroups() {
        Map<String, GroupListing> groups = new TreeMap<>();
        for (Endpoint broker : metadata.refresh().brokerEndpoints()) {
            try {
                for (ListedGroup group : BrokerServiceGrpc.newBlockingStub(channels.channel(broker))
                        .withDeadlineAfter(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .listGroups(ListGroupsRequest.getDefaultInstance()).getGroupsList()) {
                    groups.put(group.getGroupId(), new GroupListing(group.getGroupId(), group.getState(),
                            group.getMembers()));
                }
            } catch (StatusRuntimeException e) {
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "broker " + broker + " did not answer ListGroups ("
                        + e.getStatus().getCode() + "); the groups it coordinates cannot be listed", e);
            }
        }
        return List.copyOf(groups.values());
    }

    /**
     * The group's state, members and, per partition it has an offset for or assigns, the
     * committed offset, log-end offset (high watermark) and lag.
     *
     * @throws ClientException GROUP_ID_NOT_FOUND, INVALID_GROUP_ID, or a retriable code after the timeout
     */
    public GroupDescription describeGroup(String groupId) {
        DescribeGroupResponse response = coordinator.call(groupId, "DescribeGroup",
                stub -> stub.describeGroup(DescribeGroupRequest.newBuilder().setGroupId(groupId).build()),
                DescribeGroupResponse::getError, timeout);
        requireNone(groupId, "describing", response.getError());
        List<GroupDescription.Member> members = new ArrayList<>();
        Map<TopicPartition, GroupDescription.Member> owners = new HashMap<>();
        for (GroupMemberDescription m : response.getMembersList()) {
            GroupDescription.Member member = new GroupDescription.Member(m.getMemberId(), m.getInstanceId(),
                    m.getClientHost(), m.getMemberEpoch(), m.getState(), List.copyOf(m.getSubscribedTopicNamesList()),
                    m.getSubscribedTopicRegex(), partitions(m.getAssignedList()), partitions(m.getTargetList()));
            members.add(member);
            member.assigned().forEach(tp -> owners.put(tp, member));
        }
        members.sort(Comparator.comparing(GroupDescription.Member::memberId));
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (CommittedPartitionOffset offset : response.getOffsetsList()) {
            committed.put(new TopicPartition(offset.getTopic(), offset.getPartition()), offset.getOffset());
        }
        Set<TopicPartition> all = new TreeSet<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
        all.addAll(committed.keySet());
        all.addAll(owners.keySet());
        Map<TopicPartition, Long> ends = logEndOffsets(all);
        List<GroupDescription.PartitionLag> lags = new ArrayList<>();
        for (TopicPartition tp : all) {
            Long offset = committed.get(tp);
            Long end = ends.get(tp);
            GroupDescription.Member owner = owners.get(tp);
            lags.add(new GroupDescription.PartitionLag(tp, offset, end,
                    offset == null || end == null ? null : Math.max(0, end - offset),
                    owner == null ? null : owner.memberId(), owner == null ? null : owner.host()));
        }
        return new GroupDescription(response.getGroupId().isEmpty() ? groupId : response.getGroupId(),
                response.getState(), response.getGroupEpoch(), response.getAssignmentEpoch(),
                response.getCoordinatorId(), List.copyOf(members), List.copyOf(lags));
    }

    /** High watermarks, topic by topic; a topic that is gone (or its partition) is left out rather than failing the describe. */
    private Map<TopicPartition, Long> logEndOffsets(Set<TopicPartition> partitions) {
        Map<String, Map<TopicPartition, Long>> byTopic = new LinkedHashMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new LinkedHashMap<>())
                .put(tp, OffsetLookup.LATEST));
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (Map<TopicPartition, Long> request : byTopic.values()) {
            try {
                offsets.lookup(request, timeout).forEach((tp, result) -> ends.put(tp, result.getOffset()));
            } catch (ClientException e) {
                if (e.code() != ErrorCode.UNKNOWN_TOPIC && e.code() != ErrorCode.UNKNOWN_PARTITION) {
                    throw e;
                }
            }
        }
        return ends;
    }

    /**
     * Every committed offset of the group (the next offset to consume, per partition), read with
     * one OffsetFetch from its coordinator, after Kafka's {@code Admin.listConsumerGroupOffsets}:
     * unlike {@link #describeGroup} it asks no partition leader for lag. Empty for a group that
     * does not exist.
     *
     * @throws ClientException INVALID_GROUP_ID, or a retriable code after the timeout
     */
    public Map<TopicPartition, Long> committedOffsets(String groupId) {
        OffsetFetchResponse response = coordinator.call(groupId, "OffsetFetch",
                stub -> stub.offsetFetch(OffsetFetchRequest.newBuilder().setGroupId(groupId).build()),
                OffsetFetchResponse::getError, timeout);
        if (response.getError().getCode() == ErrorCode.GROUP_ID_NOT_FOUND) {
            return Map.of();
        }
        requireNone(groupId, "fetching the committed offsets of", response.getError());
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (CommittedPartitionOffset offset : response.getOffsetsList()) {
            if (offset.getOffset() >= 0) {
                committed.put(new TopicPartition(offset.getTopic(), offset.getPartition()), offset.getOffset());
            }
        }
        return Map.copyOf(committed);
    }

    /**
     * Deletes a group without members and its offsets; returns how many offsets went.
     *
     * @throws ClientException NON_EMPTY_GROUP while it has members, GROUP_ID_NOT_FOUND
     */
    public int deleteGroup(String groupId) {
        DeleteGroupResponse response = coordinator.call(groupId, "DeleteGroup",
                stub -> stub.deleteGroup(DeleteGroupRequest.newBuilder().setGroupId(groupId).build()),
                DeleteGroupResponse::getError, timeout);
        requireNone(groupId, "deleting", response.getError());
        return response.getOffsetsDeleted();
    }

    /**
     * Deletes the group's offsets of one topic; returns how many went.
     *
     * @throws ClientException GROUP_SUBSCRIBED_TO_TOPIC while a member subscribes to it, GROUP_ID_NOT_FOUND
     */
    public int deleteOffsets(String groupId, String topic) {
        DeleteOffsetsResponse response = coordinator.call(groupId, "DeleteOffsets",
                stub -> stub.deleteOffsets(DeleteOffsetsRequest.newBuilder().setGroupId(groupId).setTopic(topic).build()),
                DeleteOffsetsResponse::getError, timeout);
        requireNone(groupId, "deleting offsets of topic '" + topic + "' in", response.getError());
        return response.getOffsetsDeleted();
    }

    /**
     * Sets the group's committed offsets by an admin commit (member epoch -1); creates the group
     * when it does not exist.
     *
     * @throws ClientException NON_EMPTY_GROUP while it has members (stop them first),
     *     INVALID_COMMIT_OFFSET for a negative offset
     */
    public void resetOffsets(String groupId, Map<TopicPartition, Long> newOffsets) {
        OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId).setMemberEpoch(-1);
        newOffsets.forEach((tp, offset) -> request.addPartitions(OffsetCommitPartition.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).setOffset(offset).setLeaderEpoch(-1)));
        OffsetCommitResponse response = coordinator.call(groupId, "OffsetCommit",
                stub -> stub.offsetCommit(request.build()), OffsetCommitResponse::getError, timeout);
        requireNone(groupId, "resetting offsets of", response.getError());
        for (OffsetCommitPartitionResult result : response.getPartitionsList()) {
            if (result.getError().getCode() != ErrorCode.NONE) {
                throw new ClientException(result.getError().getCode(), "resetting the offset of " + result.getTopic()
                        + "-" + result.getPartition() + " in group '" + groupId + "' failed: "
                        + result.getError().getMessage());
            }
        }
    }

    /**
     * The number of partitions of {@code topic}, waiting up to the timeout for a new topic to reach
     * the brokers.
     *
     * @throws ClientException UNKNOWN_TOPIC when no broker knows the topic
     */
    public int partitionCount(String topic) {
        return metadata.awaitPartitionCount(topic, timeout);
    }

    /**
     * Per partition, the offset for {@link OffsetLookup#EARLIEST}, {@link OffsetLookup#LATEST} or a
     * timestamp in ms (the first offset at or after it; -1 when no record is that recent).
     */
    public Map<TopicPartition, Long> listOffsets(Map<TopicPartition, Long> specs) {
        Map<TopicPartition, Long> result = new HashMap<>();
        offsets.lookup(specs, timeout).forEach((tp, r) -> result.put(tp, r.getOffset()));
        return result;
    }

    private static void requireNone(String groupId, String action, Error error) {
        if (error.getCode() != ErrorCode.NONE) {
            throw new ClientException(error.getCode(), action + " group '" + groupId + "' failed: " + error.getMessage());
        }
    }

    private static List<TopicPartition> partitions(List<GroupTopicPartitions> topics) {
        return topics.stream().flatMap(t -> t.getPartitionsList().stream().sorted()
                .map(p -> new TopicPartition(t.getTopic(), p))).toList();
    }

    @Override
    public void close() {
        channels.close();
    }
}
