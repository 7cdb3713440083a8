package io.wharf.group;

import static io.wharf.group.CoordinatorHarness.GROUP;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every rejected heartbeat answers a code, emits no record and leaves the state as it was. */
class InvalidHeartbeatTest {

    private final CoordinatorHarness h = new CoordinatorHarness().topic("clicks", 2);

    @BeforeEach
    void oneMember() {
        h.join("a", "clicks");
    }

    private void assertRejected(GroupErrorCode code, HeartbeatRequest request) {
        GroupsImage before = h.leader.image();
        int logSize = h.log.size();
        GroupResult<HeartbeatResponse> result = h.heartbeat(request);
        assertEquals(code, result.error().map(GroupError::code).orElse(null), result.toString());
        assertTrue(result.records().isEmpty());
        assertEquals(logSize, h.log.size());
        assertEquals(before, h.leader.image());
    }

    @Test
    void badGroupAndMemberIds() {
        assertRejected(GroupErrorCode.INVALID_GROUP_ID, HeartbeatRequest.join(" ", "b", List.of("clicks")));
        assertRejected(GroupErrorCode.INVALID_GROUP_ID, HeartbeatRequest.join("g".repeat(256), "b", List.of("clicks")));
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.join(GROUP, "", List.of("clicks")));
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.heartbeat(GROUP, "a", -3, Assignment.empty()));
    }

    @Test
    void badSubscriptions() {
        assertRejected(GroupErrorCode.INVALID_REGULAR_EXPRESSION, HeartbeatRequest.joinWithRegex(GROUP, "b", "clicks["));
        assertRejected(GroupErrorCode.INVALID_REGULAR_EXPRESSION,
                HeartbeatRequest.heartbeat(GROUP, "a", 1, Assignment.of("clicks", 0, 1)).withRegex("(*"));
        assertRejected(GroupErrorCode.INVALID_REQUEST, new HeartbeatRequest(GROUP, "b", 0, Optional.empty(),
                Optional.empty(), Optional.of(List.of("clicks")), Optional.of("c.*"), Optional.empty(),
                OptionalInt.empty(), OptionalInt.empty(), OptionalInt.empty(), Optional.empty()));
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.join(GROUP, "b", List.of("")));
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.heartbeat(GROUP, "b", 0, Assignment.empty()));
        assertRejected(GroupErrorCode.UNSUPPORTED_ASSIGNOR,
                HeartbeatRequest.join(GROUP, "b", List.of("clicks")).withAssignor("sticky"));
    }

    @Test
    void badJoinsAndLeaves() {
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.join(GROUP, "b", List.of("clicks"))
                .withOwned(Optional.of(Assignment.of("clicks", 0))));
        assertRejected(GroupErrorCode.INVALID_REQUEST, HeartbeatRequest.heartbeat(GROUP, "a", -2, Assignment.empty()));
        assertRejected(GroupErrorCode.UNKNOWN_MEMBER_ID, HeartbeatRequest.leave(GROUP, "nobody"));
        assertRejected(GroupErrorCode.UNKNOWN_MEMBER_ID, HeartbeatRequest.leave("other-group", "a"));
        assertRejected(GroupErrorCode.FENCED_INSTANCE_ID,
                HeartbeatRequest.heartbeat(GROUP, "a", 1, Assignment.empty()).withInstanceId("not-a"));
        assertRejected(GroupErrorCode.INVALID_REQUEST,
                HeartbeatRequest.join(GROUP, "b", List.of("clicks")).withTimeouts(0, 10));
        assertRejected(GroupErrorCode.INVALID_REQUEST,
                HeartbeatRequest.join(GROUP, "b", List.of("clicks")).withRebalanceTimeout(-1));
    }

    @Test
    void aFencedMemberMustRejoinWhileAStaleOneMayRetry() {
        GroupResult<HeartbeatResponse> fenced = h.heartbeat(HeartbeatRequest.heartbeat(GROUP, "a", 9, Assignment.empty()));
        assertEquals(GroupErrorCode.FENCED_MEMBER_EPOCH, fenced.error().orElseThrow().code());
        assertEquals(false, fenced.error().orElseThrow().code().retriable());
        assertEquals(true, GroupErrorCode.STALE_MEMBER_EPOCH.retriable());
    }

    @Test
    void theErrorMessageNamesWhatToFix() {
        GroupResult<HeartbeatResponse> result = h.heartbeat(HeartbeatRequest.joinWithRegex(GROUP, "b", "clicks["));
        String message = result.error().orElseThrow().message();
        assertTrue(message.contains("clicks[") && message.contains("does not compile"), message);
    }
}
