package io.wharf.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The consumer-group coordinator state of one group-log partition, as a replicated state machine.
 * Every operation returns a {@link GroupResult}: the records to append and the answer, computed
 * without changing the state. The state changes only in {@link #replay}, which the leader calls for
 * each record it appends and every follower calls for each record it reads, so all replicas hold
 * the same state and a new leader serves at once. The caller replays an operation's records
 * before starting the next operation. Time is a parameter; topic metadata is passed in as
 * topic → partition count.
 *
 * <p>Besides the replicated state it keeps soft state, which only the leader needs: each member's
 * session deadline, and for a member revoking partitions its rebalance deadline. {@link #heartbeat}
 * restarts a member's session; {@link #expireMembers} removes the members whose session ended or
 * who did not revoke within their rebalance timeout, so a stuck member cannot hold partitions its
 * group needs forever.
 *
 * <p>Single-threaded: owned by the partition's coordinator thread.
 */
public final class GroupCoordinator {

    private final GroupConfig config;
    private final SortedMap<String, ConsumerGroup> groups = new TreeMap<>();
    private final SortedMap<String, SortedMap<TopicPartition, CommittedOffset>> offsets = new TreeMap<>();
    private final MemberTimers timers = new MemberTimers();

    /** An empty coordinator: no groups, no offsets. */
    public GroupCoordinator(GroupConfig config) {
        this.config = config;
    }

    /**
     * Handles a heartbeat: join, leave, static leave, or a regular heartbeat.
     *
     * @param topics topic → partition count of every existing topic
     * @param nowMs  the caller's clock; restarts the member's session
     */
    public GroupResult<HeartbeatResponse> heartbeat(HeartbeatRequest request, Map<String, Integer> topics, long nowMs) {
        GroupResult<HeartbeatResponse> result = Heartbeats.handle(config, group(request.groupId()), request, topics);
        if (result.isOk()) {
            GroupMemberId member = new GroupMemberId(request.groupId(), request.memberId());
            if (result.response().memberEpoch() == HeartbeatRequest.LEAVE_EPOCH) {
                timers.remove(member);
            } else {
                timers.heartbeat(member, timedMemberAfter(result.records(), member), nowMs);
            }
        }
        return result;
    }

    /**
     * Removes every member whose session ended by {@code nowMs} (static members that left
     * temporarily included), or that was told to revoke partitions longer than its rebalance
     * timeout ago and still holds them, and recomputes their groups' assignments. Answers who was
     * removed.
     */
    public GroupResult<List<GroupMemberId>> expireMembers(long nowMs) {
        SortedMap<GroupMemberId, MemberTimers.Member> live = new TreeMap<>();
        groups.values().forEach(group -> group.members().forEach((memberId, metadata) -> live.put(
                new GroupMemberId(group.groupId(), memberId), MemberTimers.Member.of(metadata, group.current(memberId)))));
        List<GroupMemberId> expired = timers.expired(live, nowMs);
        SortedMap<String, List<String>> byGroup = new TreeMap<>();
        expired.forEach(m -> byGroup.computeIfAbsent(m.groupId(), g -> new ArrayList<>()).add(m.memberId()));
        List<GroupRecord> records = new ArrayList<>();
        byGroup.forEach((groupId, memberIds) -> {
            GroupDraft draft = new GroupDraft(groupId, group(groupId));
            memberIds.forEach(draft::removeMember);
            // The remaining members' topics are among those the group already subscribed to.
            Rebalancer.rebalance(draft, config, draft.group().epoch().subscribedTopics(), true);
            records.addAll(draft.records());
        });
        expired.forEach(timers::remove);
        return GroupResult.ok(records, expired);
    }

    /** Handles one offset commit; answers the stored offset. */
    public GroupResult<CommittedOffset> commitOffset(OffsetCommitRequest request) {
        return OffsetCommits.commit(config, group(request.groupId()), request);
    }

    /** Every committed offset of the group. */
    public GroupResult<SortedMap<TopicPartition, CommittedOffset>> fetchOffsets(String groupId) {
        return fetchOffsets(groupId, Optional.empty());
    }

    /** The committed offsets of the group's partitions of {@code topics}. */
    public GroupResult<SortedMap<TopicPartition, CommittedOffset>> fetchOffsets(String groupId, Set<String> topics) {
        return fetchOffsets(groupId, Optional.of(topics));
    }

    private GroupResult<SortedMap<TopicPartition, CommittedOffset>> fetchOffsets(String groupId,
                                                                                  Optional<Set<String>> topics) {
        Optional<GroupError> invalid = GroupError.checkGroupId(groupId);
        if (invalid.isPresent()) {
            return GroupResult.rejected(invalid.get().code(), invalid.get().message());
        }
        if (!groups.containsKey(groupId)) {
            return GroupResult.rejected(GroupErrorCode.GROUP_ID_NOT_FOUND, "group " + groupId
                    + " does not exist: join it first, or check the id");
        }
        SortedMap<TopicPartition, CommittedOffset> result = new TreeMap<>(offsetsOf(groupId));
        topics.ifPresent(wanted -> result.keySet().removeIf(tp -> !wanted.contains(tp.topic())));
        return GroupResult.ok(List.of(), result);
    }

    /** Deletes a group without members, with its offsets; answers how many offsets went. */
    public GroupResult<Integer> deleteGroup(String groupId) {
        return GroupDeletions.deleteGroup(groupId, group(groupId), offsetsOf(groupId));
    }

    /** Deletes the group's offsets of {@code topic} unless a member subscribes to it; answers how many went. */
    public GroupResult<Integer> deleteOffsets(String groupId, String topic) {
        return GroupDeletions.deleteOffsets(groupId, topic, group(groupId), offsetsOf(groupId));
    }

    /**
     * Applies one record: the only way the replicated state changes.
     *
     * @throws IllegalArgumentException when the record belongs to no known type (a corrupt log,
     *                                  which the caller must treat as fatal)
     */
    public void replay(GroupRecord record) {
        if (record instanceof GroupRecord.OffsetCommit commit) {
            commit.value().ifPresentOrElse(
                    value -> offsets.computeIfAbsent(commit.groupId(), g -> new TreeMap<>()).put(commit.partition(), value),
                    () -> {
                        SortedMap<TopicPartition, CommittedOffset> ofGroup = offsets.get(commit.groupId());
                        if (ofGroup != null) {
                            ofGroup.remove(commit.partition());
                            if (ofGroup.isEmpty()) {
                                offsets.remove(commit.groupId());
                            }
                        }
                    });
            return;
        }
        GroupReplay.apply(group(record.groupId()), record).ifPresentOrElse(
                group -> groups.put(group.groupId(), group), () -> groups.remove(record.groupId()));
    }

    /** Applies records in order. */
    public void replayAll(Collection<GroupRecord> records) {
        records.forEach(this::replay);
    }

    /** One group, empty when it does not exist. */
    public Optional<ConsumerGroup> group(String groupId) {
        return Optional.ofNullable(groups.get(groupId));
    }

    /** A copy of the replicated state. */
    public GroupsImage image() {
        return new GroupsImage(groups, offsets);
    }

    private SortedMap<TopicPartition, CommittedOffset> offsetsOf(String groupId) {
        return offsets.getOrDefault(groupId, new TreeMap<>());
    }

    /** What the timers need of the member once {@code records} apply: its newest records, else its group's. */
    private MemberTimers.Member timedMemberAfter(List<GroupRecord> records, GroupMemberId member) {
        Optional<ConsumerGroup> group = group(member.groupId());
        MemberMetadata metadata = group.flatMap(g -> g.member(member.memberId())).orElse(null);
        CurrentAssignment current = group.map(g -> g.current(member.memberId())).orElse(CurrentAssignment.initial());
        for (GroupRecord record : records) {
            if (record instanceof GroupRecord.Member m && m.memberId().equals(member.memberId())
                    && m.value().isPresent()) {
                metadata = m.value().get();
            } else if (record instanceof GroupRecord.CurrentMember c && c.memberId().equals(member.memberId())
                    && c.value().isPresent()) {
                current = c.value().get();
            }
        }
        return MemberTimers.Member.of(Objects.requireNonNull(metadata, "a heartbeat that succeeded left no member"),
                current);
    }
}
