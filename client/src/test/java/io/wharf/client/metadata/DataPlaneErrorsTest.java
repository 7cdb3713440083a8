package io.wharf.client.metadata;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.wharf.client.Endpoint;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import org.junit.jupiter.api.Test;

class DataPlaneErrorsTest {

    private static Error notLeader(int id, String endpoint) {
        return Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setLeaderId(id).setLeaderEndpoint(endpoint).build();
    }

    @Test
    void onlyANotLeaderNamingAnotherBrokerIsARedirect() {
        Endpoint asked = new Endpoint("127.0.0.1", 17201);
        assertTrue(DataPlaneErrors.redirectsElsewhere(notLeader(2, "127.0.0.1:17202"), asked));
        assertFalse(DataPlaneErrors.redirectsElsewhere(notLeader(1, "127.0.0.1:17201"), asked), "taking leadership");
        assertFalse(DataPlaneErrors.redirectsElsewhere(notLeader(-1, ""), asked), "no leader right now");
        assertFalse(DataPlaneErrors.redirectsElsewhere(Error.newBuilder().setCode(ErrorCode.NOT_ENOUGH_REPLICAS)
                .setLeaderId(2).setLeaderEndpoint("127.0.0.1:17202").build(), asked));
    }

    @Test
    void retriableCodesFollowDocsErrors() {
        for (ErrorCode code : new ErrorCode[] {ErrorCode.NOT_LEADER, ErrorCode.REQUEST_TIMED_OUT,
                ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.FENCED_LEADER_EPOCH, ErrorCode.UNKNOWN_LEADER_EPOCH}) {
            assertTrue(DataPlaneErrors.isRetriable(code), code.name());
        }
        for (ErrorCode code : new ErrorCode[] {ErrorCode.UNKNOWN_TOPIC, ErrorCode.UNKNOWN_PARTITION,
                ErrorCode.OFFSET_OUT_OF_RANGE, ErrorCode.RECORD_TOO_LARGE, ErrorCode.CORRUPT_RECORD,
                ErrorCode.INVALID_REQUIRED_ACKS, ErrorCode.UNKNOWN_SERVER_ERROR}) {
            assertFalse(DataPlaneErrors.isRetriable(code), code.name());
        }
        assertTrue(DataPlaneErrors.isRetriable(Status.Code.UNAVAILABLE));
        assertFalse(DataPlaneErrors.isRetriable(Status.Code.INVALID_ARGUMENT));
    }
}
