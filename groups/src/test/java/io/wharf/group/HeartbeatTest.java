package io.wharf.group;

import static io.wharf.group.CoordinatorHarness.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.group.GroupRecordType;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

    private final CoordinatorHarness h = new CoordinatorHarness().topic("clicks", 4);

    private static Assignment clicks(Integer... partitions) {
        return Assignment.of("clicks", partitions);
    }

    @Test
    void theFirstMemberCreatesTheGroupAndGetsEveryPartition() {
        GroupResult<HeartbeatResponse> result = h.heartbeat(HeartbeatRequest.join(GROUP, "a", List.of("clicks")));
        assertEquals(new HeartbeatResponse("a", 1, 100, clicks(0, 1, 2, 3)), result.response());
        assertEquals(List.of(GroupRecordType.MEMBER_METADATA, GroupRecordType.GROUP_METADATA,
                        GroupRecordType.TARGET_ASSIGNMENT_MEMBER, GroupRecordType.TARGET_ASSIGNMENT_METADATA,
                        GroupRecordType.CURRENT_MEMBER_ASSIGNMENT),
                result.records().stream().map(r -> r.key().type()).toList());
        assertEquals(GroupState.STABLE, h.group().state());
        assertEquals(1, h.group().groupEpoch());
    }

    @Test
    void aPartitionMovesOnlyAfterItsOwnerRevokedIt() {
        h.join("a", "clicks");
        HeartbeatResponse b = h.join("b", "clicks");
        assertEquals(2, b.memberEpoch());
        assertEquals(Assignment.empty(), b.assignment(), "b must wait: a still holds everything");
        assertEquals(MemberState.UNRELEASED_PARTITIONS, h.group().current("b").state());

        HeartbeatResponse a = h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(1, a.memberEpoch(), "a stays at its epoch until it revoked");
        assertEquals(MemberState.UNREVOKED_PARTITIONS, h.group().current("a").state());
        Assignment kept = a.assignment();
        assertEquals(2, kept.size());

        assertEquals(Assignment.empty(), h.beat("b", 2, Assignment.empty()).assignment(),
                "b still waits while a has not confirmed the revocation");

        HeartbeatResponse aDone = h.beat("a", 1, kept);
        assertEquals(new HeartbeatResponse("a", 2, 100, kept), aDone);

        HeartbeatResponse bDone = h.beat("b", 2, Assignment.empty());
        assertEquals(clicks(0, 1, 2, 3).minus(kept), bDone.assignment());
        assertEquals(GroupState.STABLE, h.group().state());
    }

    @Test
    void aLeavingMembersPartitionsGoToTheOthersAtOnce() {
        h.join("a", "clicks");
        h.join("b", "clicks");
        HeartbeatResponse a = h.beat("a", 1, clicks(0, 1, 2, 3));
        h.beat("a", 1, a.assignment());
        Assignment bHas = h.beat("b", 2, Assignment.empty()).assignment();

        HeartbeatResponse left = h.heartbeat(HeartbeatRequest.leave(GROUP, "b")).response();
        assertEquals(HeartbeatRequest.LEAVE_EPOCH, left.memberEpoch());
        assertFalse(h.group().member("b").isPresent());
        assertEquals(3, h.group().groupEpoch());

        HeartbeatResponse aAll = h.beat("a", 2, a.assignment());
        assertEquals(new HeartbeatResponse("a", 3, 100, clicks(0, 1, 2, 3)), aAll);
        assertEquals(2, bHas.size());
    }

    @Test
    void anUnknownMemberOrAnUnknownEpochIsFencedAndMayRejoin() {
        h.join("a", "clicks");
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH,
                h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "ghost", 1, Assignment.empty())).error().orElseThrow().code());
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH,
                h.heartbeat(HeartbeatRequest.heartbeat("no-such-group", "a", 1, Assignment.empty())).error().orElseThrow().code());
        GroupsImage before = h.leader.image();
        GroupResult<HeartbeatResponse> ahead = h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a", 7, clicks(0)));
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH, ahead.error().orElseThrow().code());
        assertTrue(ahead.records().isEmpty());
        assertEquals(before, h.leader.image());

        HeartbeatResponse rejoined = h.join("a", "clicks");
        assertEquals(new HeartbeatResponse("a", 1, 100, clicks(0, 1, 2, 3)), rejoined);
    }

    @Test
    void aMemberThatMissedAResponseMayHeartbeatWithItsPreviousEpoch() {
        h.join("a", "clicks");
        h.topic("clicks", 6);
        HeartbeatResponse lost = h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(2, lost.memberEpoch());
        HeartbeatResponse retried = h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(new HeartbeatResponse("a", 2, 100, clicks(0, 1, 2, 3, 4, 5)), retried);

        GroupResult<HeartbeatResponse> claimsMore = h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a", 1,
                clicks(0, 1, 2, 3, 4, 5, 6)));
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH, claimsMore.error().orElseThrow().code(),
                "the previous epoch is accepted only with partitions the member was given");
    }

    @Test
    void moreMembersThanPartitionsLeavesSomeIdle() {
        h.topic("clicks", 3);
        for (String member : List.of("a", "b", "c", "d", "e")) {
            h.join(member, "clicks");
        }
        for (int round = 0; round < 3; round++) {
            for (String member : List.of("a", "b", "c", "d", "e")) {
                CurrentAssignment current = h.group().current(member);
                h.beat(member, current.memberEpoch(), current.assignedPartitions());
            }
        }
        assertEquals(GroupState.STABLE, h.group().state());
        assertEquals(List.of(1, 1, 1, 0, 0), h.group().currentAssignments().values().stream()
                .map(c -> c.assigned().size()).sorted((x, y) -> y - x).toList());
    }

    @Test
    void aSubscriptionChangeBumpsTheEpochAndMovesPartitions() {
        h.topic("views", 2);
        h.join("a", "clicks");
        HeartbeatResponse moved = h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a", 1, clicks(0, 1, 2, 3))
                .withTopics(List.of("views"))).response();
        assertEquals(2, h.group().groupEpoch());
        assertEquals(Assignment.empty(), moved.assignment(), "clicks must be revoked first");
        HeartbeatResponse done = h.beat("a", 1, Assignment.empty());
        assertEquals(new HeartbeatResponse("a", 2, 100, Assignment.of("views", 0, 1)), done);
    }

    @Test
    void morePartitionsBumpTheEpochAndAreAssigned() {
        h.join("a", "clicks");
        h.topic("clicks", 5);
        HeartbeatResponse grown = h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(new HeartbeatResponse("a", 2, 100, clicks(0, 1, 2, 3, 4)), grown);
        assertEquals(Optional.of(5), Optional.ofNullable(h.group().epoch().subscribedTopics().get("clicks")));
    }

    @Test
    void aRegexSubscribesToMatchingTopicsIncludingNewOnes() {
        h.topic("clicks-eu", 1).topic("views", 1);
        HeartbeatResponse joined = h.heartbeat(HeartbeatRequest.joinWithRegex(GROUP, "a", "clicks.*")).response();
        assertEquals(clicks(0, 1, 2, 3).union(Assignment.of("clicks-eu", 0)), joined.assignment());
        h.topic("clicks-us", 2);
        HeartbeatResponse next = h.beat("a", 1, joined.assignment());
        assertEquals(2, next.memberEpoch());
        assertEquals(joined.assignment().union(Assignment.of("clicks-us", 0, 1)), next.assignment());
    }

    @Test
    void theMostRequestedAssignorIsUsed() {
        h.topic("clicks", 4).topic("views", 4);
        h.heartbeat(HeartbeatRequest.join(GROUP, "a", List.of("clicks", "views")).withAssignor(RangeAssignor.NAME));
        h.heartbeat(HeartbeatRequest.join(GROUP, "b", List.of("clicks", "views")).withAssignor(RangeAssignor.NAME));
        assertEquals(Assignment.of("clicks", 0, 1).union(Assignment.of("views", 0, 1)), h.group().target("a"));
        assertEquals(Assignment.of("clicks", 2, 3).union(Assignment.of("views", 2, 3)), h.group().target("b"));
    }

    @Test
    void timeoutsAreClampedToTheBrokersBounds() {
        h.heartbeat(HeartbeatRequest.join(GROUP, "a", List.of("clicks")).withTimeouts(1, 1));
        assertEquals(100, h.group().member("a").orElseThrow().sessionTimeoutMs());
        assertEquals(10, h.group().member("a").orElseThrow().heartbeatIntervalMs());
        h.heartbeat(HeartbeatRequest.join(GROUP, "b", List.of("clicks")).withTimeouts(1_000_000, 1_000_000));
        assertEquals(5000, h.group().member("b").orElseThrow().sessionTimeoutMs());
        assertEquals(1000, h.group().member("b").orElseThrow().heartbeatIntervalMs());
    }

    @Test
    void aMemberWhoseSessionEndsIsRemovedAndItsPartitionsReassigned() {
        h.join("a", "clicks");
        h.join("b", "clicks");
        assertEquals(List.of(), h.expire().response());
        h.nowMs += 600;
        HeartbeatResponse a = h.beat("a", 1, clicks(0, 1, 2, 3));
        h.beat("a", 1, a.assignment());
        h.nowMs += 600;
        GroupResult<List<GroupMemberId>> expired = h.expire();
        assertEquals(List.of(new GroupMemberId(GROUP, "b")), expired.response());
        assertFalse(h.group().member("b").isPresent());
        assertEquals(clicks(0, 1, 2, 3), h.group().target("a"));
        assertEquals(clicks(0, 1, 2, 3), h.beat("a", 2, a.assignment()).assignment());
    }

    @Test
    void aMemberThatDoesNotRevokeWithinItsRebalanceTimeoutIsRemoved() {
        h.heartbeat(HeartbeatRequest.join(GROUP, "a", List.of("clicks")).withRebalanceTimeout(300));
        h.join("b", "clicks");
        h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(MemberState.UNREVOKED_PARTITIONS, h.group().current("a").state());
        h.nowMs += 200;
        h.beat("a", 1, clicks(0, 1, 2, 3));
        assertEquals(List.of(), h.expire().response(), "its session is alive and its rebalance timeout not over");
        h.nowMs += 200;
        h.beat("a", 1, clicks(0, 1, 2, 3));
        h.beat("b", 2, Assignment.empty());
        assertEquals(List.of(new GroupMemberId(GROUP, "a")), h.expire().response());
        assertEquals(clicks(0, 1, 2, 3), h.beat("b", 2, Assignment.empty()).assignment());
    }

    @Test
    void aMemberThatRevokesInTimeKeepsItsPlace() {
        h.heartbeat(HeartbeatRequest.join(GROUP, "a", List.of("clicks")).withRebalanceTimeout(300));
        h.join("b", "clicks");
        Assignment kept = h.beat("a", 1, clicks(0, 1, 2, 3)).assignment();
        h.nowMs += 200;
        h.beat("a", 1, kept);
        h.nowMs += 200;
        h.beat("b", 2, Assignment.empty());
        assertEquals(List.of(), h.expire().response());
        assertEquals(MemberState.STABLE, h.group().current("a").state());
    }

    @Test
    void aNewCoordinatorStartsSessionsAfresh() {
        h.join("a", "clicks");
        GroupCoordinator successor = h.rebuilt();
        h.nowMs += 10_000;
        assertEquals(List.of(), successor.expireMembers(h.nowMs).response(), "first check starts the session");
        assertEquals(List.of(new GroupMemberId(GROUP, "a")), successor.expireMembers(h.nowMs + 1000).response());
    }
}
