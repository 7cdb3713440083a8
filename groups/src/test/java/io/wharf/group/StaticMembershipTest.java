package io.wharf.group;

import static io.wharf.group.CoordinatorHarness.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class StaticMembershipTest {

    private final CoordinatorHarness h = new CoordinatorHarness().topic("clicks", 4);
    private Assignment aHolds;

    private HeartbeatRequest joinAs(String memberId, String instanceId) {
        return HeartbeatRequest.join(GROUP, memberId, List.of("clicks")).withInstanceId(instanceId);
    }

    @BeforeEach
    void twoMembersOneOfThemStatic() {
        h.heartbeat(joinAs("a1", "server-a"));
        h.join("b", "clicks");
        HeartbeatResponse a = h.beat("a1", 1, Assignment.of("clicks", 0, 1, 2, 3));
        aHolds = h.beat("a1", 1, a.assignment()).assignment();
        h.beat("b", 2, Assignment.empty());
        assertEquals(GroupState.STABLE, h.group().state());
    }

    @Test
    void aStaticMemberRestartingWithinItsSessionGetsItsPartitionsBackWithoutARebalance() {
        int epochBefore = h.group().groupEpoch();
        HeartbeatResponse left = h.heartbeat(HeartbeatRequest.staticLeave(GROUP, "a1", "server-a")).response();
        assertEquals(HeartbeatRequest.STATIC_LEAVE_EPOCH, left.memberEpoch());
        assertEquals(epochBefore, h.group().groupEpoch(), "a temporary leave must not rebalance");
        assertEquals(aHolds, h.group().current("a1").assignedPartitions(), "its partitions are kept for it");

        GroupResult<HeartbeatResponse> zombie = h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a1", 2, aHolds));
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH, zombie.error().orElseThrow().code());

        h.nowMs += 500;
        HeartbeatResponse back = h.heartbeat(joinAs("a2", "server-a")).response();
        assertEquals(new HeartbeatResponse("a2", 2, 100, aHolds), back);
        assertEquals(epochBefore, h.group().groupEpoch());
        assertFalse(h.group().member("a1").isPresent());
        assertEquals(aHolds, h.group().target("a2"));
    }

    @Test
    void anInstanceIdHeldByALiveMemberCannotBeTakenOver() {
        GroupsImage before = h.leader.image();
        GroupResult<HeartbeatResponse> result = h.heartbeat(joinAs("a2", "server-a"));
        assertEquals(GroupErrorCode.UNRELEASED_INSTANCE_ID, result.error().orElseThrow().code());
        assertTrue(result.error().orElseThrow().message().contains("a1"), result.error().orElseThrow().message());
        assertEquals(before, h.leader.image());
    }

    @Test
    void aStaticMemberThatDoesNotComeBackIsRemovedWhenItsSessionEnds() {
        h.heartbeat(HeartbeatRequest.staticLeave(GROUP, "a1", "server-a"));
        h.nowMs += 600;
        Assignment bHolds = h.group().current("b").assignedPartitions();
        h.beat("b", 2, bHolds);
        h.nowMs += 600;
        assertEquals(List.of(new GroupMemberId(GROUP, "a1")), h.expire().response());
        assertEquals(Assignment.of("clicks", 0, 1, 2, 3), h.beat("b", 2, bHolds).assignment());
    }

    @Test
    void aStaticLeaveWithAnotherInstanceIdIsRefused() {
        GroupResult<HeartbeatResponse> result = h.heartbeat(HeartbeatRequest.staticLeave(GROUP, "a1", "server-x"));
        assertEquals(GroupErrorCode.FENCED_INSTANCE_ID, result.error().orElseThrow().code());
        assertEquals(aHolds, h.group().current("a1").assignedPartitions());
    }
}
