package io.wharf.group;

import static io.wharf.group.CoordinatorHarness.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OffsetsTest {

    private static final TopicPartition CLICKS_0 = new TopicPartition("clicks", 0);
    private static final TopicPartition CLICKS_2 = new TopicPartition("clicks", 2);

    private final CoordinatorHarness h = new CoordinatorHarness().topic("clicks", 2).topic("views", 1);

    @BeforeEach
    void oneMemberAtEpochTwoThatGotClicks2AtEpochTwo() {
        h.join("a", "clicks");
        h.topic("clicks", 3);
        assertEquals(2, h.beat("a", 1, Assignment.of("clicks", 0, 1)).memberEpoch());
    }

    private GroupResult<CommittedOffset> commit(String member, int epoch, TopicPartition tp, long offset) {
        return h.commit(h.leader.commitOffset(new OffsetCommitRequest(GROUP, member, epoch, tp, offset, 5, "meta",
                1_000L)));
    }

    private void assertRefused(GroupErrorCode code, GroupResult<?> result) {
        assertEquals(code, result.error().map(GroupError::code).orElse(null), result.toString());
        assertTrue(result.records().isEmpty());
    }

    @Test
    void aMemberCommitsItsPartitionAndFetchesItBack() {
        assertTrue(commit("a", 2, CLICKS_0, 42).isOk());
        assertEquals(Map.of(CLICKS_0, new CommittedOffset(42, 5, "meta", 1_000L)),
                h.leader.fetchOffsets(GROUP).response());
        assertEquals(Map.of(), h.leader.fetchOffsets(GROUP, Set.of("views")).response());
    }

    @Test
    void anEpochBetweenThePartitionsAssignmentAndTheMembersIsAccepted() {
        assertTrue(commit("a", 1, CLICKS_0, 1).isOk(), "clicks-0 was assigned at epoch 1");
        assertRefused(GroupErrorCode.STALE_MEMBER_EPOCH, commit("a", 1, CLICKS_2, 1));
        assertTrue(commit("a", 2, CLICKS_2, 1).isOk());
        assertRefused(GroupErrorCode.FENCED_MEMBER_EPOCH, commit("a", 3, CLICKS_0, 1));
    }

    @Test
    void commitsOfPartitionsTheMemberDoesNotHoldOrFromStrangersAreRefused() {
        assertRefused(GroupErrorCode.PARTITION_NOT_ASSIGNED, commit("a", 2, new TopicPartition("views", 0), 1));
        assertRefused(GroupErrorCode.UNKNOWN_MEMBER_ID, commit("zombie", 2, CLICKS_0, 1));
        assertRefused(GroupErrorCode.GROUP_ID_NOT_FOUND, h.leader.commitOffset(new OffsetCommitRequest("nope", "a", 2,
                CLICKS_0, 1, -1, "", 0)));
        assertEquals(Map.of(), h.leader.fetchOffsets(GROUP).response());
    }

    @Test
    void aMemberMayCommitAPartitionItIsRevoking() {
        h.join("b", "clicks");
        h.beat("a", 2, Assignment.of("clicks", 0, 1, 2));
        CurrentAssignment a = h.group().current("a");
        assertEquals(MemberState.UNREVOKED_PARTITIONS, a.state());
        TopicPartition revoking = a.pendingRevocation().keySet().iterator().next();
        assertTrue(commit("a", 2, revoking, 7).isOk());
        h.beat("a", 2, a.assignedPartitions());
        assertRefused(GroupErrorCode.PARTITION_NOT_ASSIGNED, commit("a", 3, revoking, 8));
    }

    @Test
    void badCommitsAreRefused() {
        assertRefused(GroupErrorCode.INVALID_COMMIT_OFFSET, commit("a", 2, CLICKS_0, -1));
        assertRefused(GroupErrorCode.INVALID_COMMIT_OFFSET, commit("a", 2, new TopicPartition("", 0), 1));
        assertRefused(GroupErrorCode.INVALID_GROUP_ID, h.leader.commitOffset(new OffsetCommitRequest("", "a", 2,
                CLICKS_0, 1, -1, "", 0)));
        assertRefused(GroupErrorCode.OFFSET_METADATA_TOO_LARGE, h.leader.commitOffset(new OffsetCommitRequest(GROUP,
                "a", 2, CLICKS_0, 1, -1, "x".repeat(4097), 0)));
        assertRefused(GroupErrorCode.INVALID_REQUEST, commit("a", -2, CLICKS_0, 1));
    }

    @Test
    void adminCommitsNeedAnEmptyGroupAndCreateAMissingOne() {
        OffsetCommitRequest admin = new OffsetCommitRequest(GROUP, "", OffsetCommitRequest.ADMIN_EPOCH, CLICKS_0, 9,
                -1, "reset", 0);
        assertRefused(GroupErrorCode.NON_EMPTY_GROUP, h.leader.commitOffset(admin));
        h.heartbeat(HeartbeatRequest.leave(GROUP, "a"));
        assertTrue(h.commit(h.leader.commitOffset(admin)).isOk());
        assertEquals(9, h.leader.fetchOffsets(GROUP).response().get(CLICKS_0).offset());

        OffsetCommitRequest fresh = new OffsetCommitRequest("analytics", "", OffsetCommitRequest.ADMIN_EPOCH, CLICKS_0,
                3, -1, "", 0);
        assertTrue(h.commit(h.leader.commitOffset(fresh)).isOk());
        assertEquals(GroupState.EMPTY, h.leader.group("analytics").orElseThrow().state());
        assertEquals(h.leader.image(), h.rebuilt().image());
    }

    @Test
    void onlyAnEmptyGroupCanBeDeletedAndItsOffsetsGoWithIt() {
        commit("a", 2, CLICKS_0, 42);
        assertRefused(GroupErrorCode.NON_EMPTY_GROUP, h.leader.deleteGroup(GROUP));
        assertRefused(GroupErrorCode.GROUP_ID_NOT_FOUND, h.leader.deleteGroup("nope"));
        h.heartbeat(HeartbeatRequest.leave(GROUP, "a"));
        assertEquals(1, h.commit(h.leader.deleteGroup(GROUP)).response());
        assertTrue(h.leader.group(GROUP).isEmpty());
        assertRefused(GroupErrorCode.GROUP_ID_NOT_FOUND, h.leader.fetchOffsets(GROUP));
        assertEquals(new GroupsImage(Map.of(), Map.of()), h.leader.image());
        assertEquals(h.leader.image(), h.rebuilt().image());
    }

    @Test
    void offsetsOfATopicAreDeletedOnlyWhenNoMemberSubscribesToIt() {
        commit("a", 2, CLICKS_0, 42);
        h.commit(h.leader.commitOffset(new OffsetCommitRequest(GROUP, "a", 2, CLICKS_2, 43, -1, "", 0)));
        assertRefused(GroupErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, h.leader.deleteOffsets(GROUP, "clicks"));
        h.heartbeat(HeartbeatRequest.joinWithRegex(GROUP, "r", "vi.*"));
        assertRefused(GroupErrorCode.GROUP_SUBSCRIBED_TO_TOPIC, h.leader.deleteOffsets(GROUP, "views"));

        h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a", 2, Assignment.of("clicks", 0, 1, 2))
                .withTopics(List.of("views")));
        h.heartbeat(HeartbeatRequest.leave(GROUP, "r"));
        assertEquals(2, h.commit(h.leader.deleteOffsets(GROUP, "clicks")).response());
        assertEquals(Map.of(), h.leader.fetchOffsets(GROUP).response());
        assertEquals(h.leader.image(), h.rebuilt().image());
    }
}
