package io.wharf.client.fake;

import io.wharf.client.TopicPartition;
import io.wharf.proto.broker.CommittedPartitionOffset;
import io.wharf.proto.broker.DeleteGroupResponse;
import io.wharf.proto.broker.DeleteOffsetsResponse;
import io.wharf.proto.broker.DescribeGroupResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.GroupMemberDescription;
import io.wharf.proto.broker.GroupTopicPartitions;
import io.wharf.proto.broker.ListGroupsResponse;
import io.wharf.proto.broker.ListedGroup;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitPartitionResult;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A small in-memory group coordinator for client tests, following broker.proto's group semantics
 * closely enough to drive the SDK: members join with epoch 0 and their own member id, leave with
 * -1 (-2 keeps a static member's partitions); each join or leave bumps the group epoch; a member's
 * target is its share of the subscribed partitions (per topic, partition p goes to the
 * (p mod n)-th subscriber by member id); a member is given a target partition only once no other
 * member holds it (assigned to it, or still reported in its owned partitions), so no partition is
 * owned twice; commits are fenced by member epoch; admin commits (epoch -1) only for groups without
 * members. No session expiry and no static-member replacement. Not thread-safe: the
 * {@link FakeCluster}'s monitor guards it.
 */
final class FakeGroupCoordinator {

    static final String CLIENT_HOST = "/10.0.0.7";

    private static final class Member {
        final String id;
        String instanceId = "";
        int epoch;
        List<String> topics = List.of();
        String regex = "";
        Set<TopicPartition> assigned = new HashSet<>();
        Set<TopicPartition> owned = new HashSet<>();

        Member(String id) {
            this.id = id;
        }

        boolean holds(TopicPartition tp) {
            return assigned.contains(tp) || owned.contains(tp);
        }

        boolean subscribes(String topic) {
            return topics.contains(topic) || (!regex.isEmpty() && Pattern.matches(regex, topic));
        }
    }

    private static final class Group {
        int epoch;
        final Map<String, Member> members = new TreeMap<>();
        final Map<TopicPartition, Long> offsets = new TreeMap<>(Comparator.comparing(TopicPartition::topic)
                .thenComparingInt(TopicPartition::partition));
    }

    private final Map<String, Group> groups = new TreeMap<>();
    int coordinatorId = 1;
    int heartbeatIntervalMs = 50;
    Integer misdirectFindCoordinatorTo;
    int notCoordinatorAnswers;
    final List<GroupHeartbeatRequest> heartbeats = new ArrayList<>();
    /** When each heartbeat arrived (System.nanoTime() in ms), in the order of {@link #heartbeats}. */
    final List<Long> heartbeatArrivalsMs = new ArrayList<>();
    /** Set by the test: heartbeats with max_wait_ms are kept unanswered (until the client cancels them). */
    boolean neverAnswerHeldHeartbeats;
    /** Held heartbeats kept unanswered so far. */
    int unansweredHeldHeartbeats;
    final Queue<ErrorCode> heartbeatErrors = new ArrayDeque<>();
    final Queue<ErrorCode> commitErrors = new ArrayDeque<>();
    /** Set by the test: the next OffsetCommit waits until this is released. */
    java.util.concurrent.CountDownLatch nextCommitGate;
    /** True while a held OffsetCommit waits at its gate. */
    boolean commitHeld;
    /** OffsetCommit requests carried out (answered with a result). */
    int commitsCarriedOut;
    int coordinatorUnavailableAnswers;

    GroupHeartbeatResponse heartbeat(GroupHeartbeatRequest request, Map<String, Integer> topics) {
        heartbeats.add(request);
        heartbeatArrivalsMs.add(java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime()));
        GroupHeartbeatResponse.Builder response = GroupHeartbeatResponse.newBuilder().setMemberId(request.getMemberId());
        Group group = groups.get(request.getGroupId());
        ErrorCode injected = heartbeatErrors.poll();
        if (injected != null) {
            if (group != null && group.members.remove(request.getMemberId()) != null) {
                group.epoch++; // as if the coordinator had removed the member (its session expired)
            }
            return response.setError(error(injected, "injected by the test")).build();
        }
        int epoch = request.getMemberEpoch();
        Member member = group == null ? null : group.members.get(request.getMemberId());
        if (epoch == 0) {
            if (!request.hasSubscribedTopicNames() && !request.hasSubscribedTopicRegex()) {
                return response.setError(error(ErrorCode.INVALID_REQUEST, "a join must carry a subscription")).build();
            }
            if (request.hasOwnedPartitions() && request.getOwnedPartitions().getTopicsCount() > 0) {
                return response.setError(error(ErrorCode.INVALID_REQUEST, "a join owns nothing")).build();
            }
            group = groups.computeIfAbsent(request.getGroupId(), g -> new Group());
            member = group.members.computeIfAbsent(request.getMemberId(), Member::new);
            member.assigned.clear();
            member.owned.clear();
            group.epoch++;
        } else if (member == null) {
            return response.setError(error(ErrorCode.UNKNOWN_MEMBER_ID, "no member " + request.getMemberId())).build();
        } else if (epoch == -1) {
            group.members.remove(member.id);
            group.epoch++;
            return response.setError(Error.getDefaultInstance()).setMemberEpoch(-1).build();
        } else if (epoch == -2) {
            member.epoch = -2;
            return response.setError(Error.getDefaultInstance()).setMemberEpoch(-2).build();
        } else if (epoch != member.epoch) {
            return response.setError(error(ErrorCode.FENCED_MEMBER_EPOCH, "member " + member.id + " is at epoch "
                    + member.epoch + ", not " + epoch)).build();
        }
        if (request.hasSubscribedTopicRegex()) {
            try {
                Pattern.compile(request.getSubscribedTopicRegex());
            } catch (PatternSyntaxException e) {
                return response.setError(error(ErrorCode.INVALID_REGULAR_EXPRESSION, e.getMessage())).build();
            }
            member.regex = request.getSubscribedTopicRegex();
            member.topics = List.of();
        } else if (request.hasSubscribedTopicNames()) {
            member.topics = List.copyOf(request.getSubscribedTopicNames().getNamesList());
            member.regex = "";
        }
        if (request.hasInstanceId()) {
            member.instanceId = request.getInstanceId();
        }
        if (request.hasOwnedPartitions()) {
            member.owned = partitions(request.getOwnedPartitions().getTopicsList());
        }
        reconcile(group, member, topics);
        return response.setError(Error.getDefaultInstance()).setMemberEpoch(member.epoch)
                .setHeartbeatIntervalMs(heartbeatIntervalMs).addAllAssignment(wire(member.assigned)).build();
    }

    /** Keeps what stays in the member's target and adds the target partitions nobody else holds. */
    private static void reconcile(Group group, Member member, Map<String, Integer> topics) {
        Set<TopicPartition> target = target(group, member, topics);
        member.assigned.retainAll(target);
        for (TopicPartition tp : target) {
            boolean heldElsewhere = group.members.values().stream().anyMatch(m -> m != member && m.holds(tp));
            if (!heldElsewhere) {
                member.assigned.add(tp);
            }
        }
        member.epoch = group.epoch;
    }

    private static Set<TopicPartition> target(Group group, Member member, Map<String, Integer> topics) {
        Set<TopicPartition> target = new HashSet<>();
        topics.forEach((topic, count) -> {
            List<String> subscribers = group.members.values().stream().filter(m -> m.subscribes(topic))
                    .map(m -> m.id).sorted().toList();
            int index = subscribers.indexOf(member.id);
            for (int p = 0; index >= 0 && p < count; p++) {
                if (p % subscribers.size() == index) {
                    target.add(new TopicPartition(topic, p));
                }
            }
        });
        return target;
    }

    OffsetCommitResponse commit(OffsetCommitRequest request) {
        OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder();
        ErrorCode injected = commitErrors.poll();
        if (injected != null) {
            return response.setError(error(injected, "injected by the test")).build();
        }
        Group group = groups.get(request.getGroupId());
        Member member = null;
        if (request.getMemberEpoch() == -1) {
            if (group != null && !group.members.isEmpty()) {
                return response.setError(error(ErrorCode.NON_EMPTY_GROUP, "group " + request.getGroupId() + " has "
                        + group.members.size() + " members")).build();
            }
            group = groups.computeIfAbsent(request.getGroupId(), g -> new Group());
        } else {
            if (group == null) {
                return response.setError(error(ErrorCode.GROUP_ID_NOT_FOUND, "no group " + request.getGroupId())).build();
            }
            member = group.members.get(request.getMemberId());
            if (member == null) {
                return response.setError(error(ErrorCode.UNKNOWN_MEMBER_ID, "no member " + request.getMemberId())).build();
            }
            if (request.getMemberEpoch() > member.epoch || member.epoch < 0) {
                return response.setError(error(ErrorCode.FENCED_MEMBER_EPOCH, "member is at epoch " + member.epoch)).build();
            }
        }
        response.setError(Error.getDefaultInstance());
        for (OffsetCommitPartition p : request.getPartitionsList()) {
            TopicPartition tp = new TopicPartition(p.getTopic(), p.getPartition());
            Error error = Error.getDefaultInstance();
            if (p.getOffset() < 0) {
                error = error(ErrorCode.INVALID_COMMIT_OFFSET, "offset " + p.getOffset() + " is negative");
            } else if (member != null && !member.holds(tp)) {
                error = error(ErrorCode.PARTITION_NOT_ASSIGNED, "member " + member.id + " does not hold " + tp);
            } else {
                group.offsets.put(tp, p.getOffset());
            }
            response.addPartitions(OffsetCommitPartitionResult.newBuilder().setTopic(tp.topic())
                    .setPartition(tp.partition()).setError(error));
        }
        return response.build();
    }

    OffsetFetchResponse fetch(OffsetFetchRequest request) {
        Group group = groups.get(request.getGroupId());
        if (group == null) {
            return OffsetFetchResponse.newBuilder().setError(error(ErrorCode.GROUP_ID_NOT_FOUND, "no group "
                    + request.getGroupId())).build();
        }
        return OffsetFetchResponse.newBuilder().setError(Error.getDefaultInstance())
                .addAllOffsets(offsets(group, request.getTopicsList())).build();
    }

    private static List<CommittedPartitionOffset> offsets(Group group, List<String> topics) {
        return group.offsets.entrySet().stream().filter(e -> topics.isEmpty() || topics.contains(e.getKey().topic()))
                .map(e -> CommittedPartitionOffset.newBuilder().setTopic(e.getKey().topic())
                        .setPartition(e.getKey().partition()).setOffset(e.getValue()).setLeaderEpoch(-1).build())
                .toList();
    }

    DescribeGroupResponse describe(String groupId, Map<String, Integer> topics) {
        Group group = groups.get(groupId);
        if (group == null) {
            return DescribeGroupResponse.newBuilder().setError(error(ErrorCode.GROUP_ID_NOT_FOUND, "no group " + groupId))
                    .build();
        }
        DescribeGroupResponse.Builder response = DescribeGroupResponse.newBuilder().setError(Error.getDefaultInstance())
                .setGroupId(groupId).setState(state(group, topics)).setGroupEpoch(group.epoch)
                .setAssignmentEpoch(group.epoch).setCoordinatorId(coordinatorId)
                .addAllOffsets(offsets(group, List.of()));
        for (Member m : group.members.values()) {
            response.addMembers(GroupMemberDescription.newBuilder().setMemberId(m.id).setInstanceId(m.instanceId)
                    .setMemberEpoch(m.epoch).setState(m.assigned.equals(target(group, m, topics)) ? "STABLE"
                            : "UNRELEASED_PARTITIONS")
                    .addAllSubscribedTopicNames(m.topics).setSubscribedTopicRegex(m.regex)
                    .addAllAssigned(wire(m.assigned)).addAllTarget(wire(target(group, m, topics)))
                    .setClientHost(CLIENT_HOST));
        }
        return response.build();
    }

    private static String state(Group group, Map<String, Integer> topics) {
        if (group.members.isEmpty()) {
            return "EMPTY";
        }
        return group.members.values().stream().allMatch(m -> m.assigned.equals(target(group, m, topics)))
                ? "STABLE" : "RECONCILING";
    }

    ListGroupsResponse list(Map<String, Integer> topics) {
        ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
        groups.forEach((id, group) -> response.addGroups(ListedGroup.newBuilder().setGroupId(id)
                .setState(state(group, topics)).setMembers(group.members.size())));
        return response.build();
    }

    DeleteGroupResponse delete(String groupId) {
        Group group = groups.get(groupId);
        if (group == null) {
            return DeleteGroupResponse.newBuilder().setError(error(ErrorCode.GROUP_ID_NOT_FOUND, "no group " + groupId))
                    .build();
        }
        if (!group.members.isEmpty()) {
            return DeleteGroupResponse.newBuilder().setError(error(ErrorCode.NON_EMPTY_GROUP, "group " + groupId
                    + " has " + group.members.size() + " members")).build();
        }
        groups.remove(groupId);
        return DeleteGroupResponse.newBuilder().setError(Error.getDefaultInstance())
                .setOffsetsDeleted(group.offsets.size()).build();
    }

    DeleteOffsetsResponse deleteOffsets(String groupId, String topic) {
        Group group = groups.get(groupId);
        if (group == null) {
            return DeleteOffsetsResponse.newBuilder().setError(error(ErrorCode.GROUP_ID_NOT_FOUND, "no group " + groupId))
                    .build();
        }
        if (group.members.values().stream().anyMatch(m -> m.subscribes(topic))) {
            return DeleteOffsetsResponse.newBuilder().setError(error(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC,
                    "a member of " + groupId + " subscribes to " + topic)).build();
        }
        int before = group.offsets.size();
        group.offsets.keySet().removeIf(tp -> tp.topic().equals(topic));
        return DeleteOffsetsResponse.newBuilder().setError(Error.getDefaultInstance())
                .setOffsetsDeleted(before - group.offsets.size()).build();
    }

    Long committed(String groupId, TopicPartition tp) {
        Group group = groups.get(groupId);
        return group == null ? null : group.offsets.get(tp);
    }

    void commitAsAdmin(String groupId, TopicPartition tp, long offset) {
        groups.computeIfAbsent(groupId, g -> new Group()).offsets.put(tp, offset);
    }

    int members(String groupId) {
        Group group = groups.get(groupId);
        return group == null ? 0 : group.members.size();
    }

    boolean exists(String groupId) {
        return groups.containsKey(groupId);
    }

    private static Set<TopicPartition> partitions(List<GroupTopicPartitions> topics) {
        Set<TopicPartition> result = new HashSet<>();
        topics.forEach(t -> t.getPartitionsList().forEach(p -> result.add(new TopicPartition(t.getTopic(), p))));
        return result;
    }

    private static List<GroupTopicPartitions> wire(Set<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return byTopic.entrySet().stream().map(e -> GroupTopicPartitions.newBuilder().setTopic(e.getKey())
                .addAllPartitions(e.getValue().stream().sorted().toList()).build()).toList();
    }

    private static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build();
    }
}
