package io.wharf.client.metadata;

import io.grpc.Status;
import io.wharf.client.Endpoint;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;

/**
 * Which failures may succeed when sent again, after a metadata refresh or a short backoff
 * (docs/errors.md's retriable column): produce, fetch, list-offsets, and the consumer-group codes.
 * Stateless.
 */
public final class DataPlaneErrors {

    private DataPlaneErrors() {
    }

    public static boolean isRetriable(ErrorCode code) {
        return switch (code) {
            case NOT_LEADER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, FENCED_LEADER_EPOCH, UNKNOWN_LEADER_EPOCH,
                    NOT_CONTROLLER, CONTROLLER_UNAVAILABLE, UNKNOWN_PRODUCER_ID, STORAGE_ERROR,
                    // broker registration: the broker retries it until the other session ends
                    BROKER_ID_IN_USE,
                    // consumer groups: GroupCoordinatorClient and GroupMember say how each is retried
                    NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, STALE_MEMBER_EPOCH, UNRELEASED_INSTANCE_ID -> true;
            default -> false;
        };
    }

    /**
     * Whether a data-plane request answered {@code code} for a partition the client's own metadata
     * says exists may succeed when sent again: UNKNOWN_TOPIC and UNKNOWN_PARTITION then mean the
     * answering broker has not yet applied the metadata that created the topic (the controllers
     * acknowledge a creation before every broker has it), as Kafka retries
     * UNKNOWN_TOPIC_OR_PARTITION. A topic really deleted fails once the retries run out.
     */
    public static boolean isRetriableForKnownPartition(ErrorCode code) {
        return isRetriable(code) || code == ErrorCode.UNKNOWN_TOPIC || code == ErrorCode.UNKNOWN_PARTITION;
    }

    /** Errors after which the client's idea of the partition's leader is probably stale. */
    public static boolean invalidatesMetadata(ErrorCode code) {
        return code == ErrorCode.NOT_LEADER || code == ErrorCode.FENCED_LEADER_EPOCH
                || code == ErrorCode.UNKNOWN_LEADER_EPOCH || code == ErrorCode.UNKNOWN_PARTITION
                || code == ErrorCode.UNKNOWN_TOPIC
                || code == ErrorCode.STORAGE_ERROR;
    }

    /**
     * Whether {@code error} is a NOT_LEADER naming another broker than {@code askedBroker}: worth
     * retrying there at once. A broker naming itself is taking leadership and wants a short pause.
     */
    public static boolean redirectsElsewhere(Error error, Endpoint askedBroker) {
        return error.getCode() == ErrorCode.NOT_LEADER && error.getLeaderId() >= 0
                && !error.getLeaderEndpoint().isBlank() && !error.getLeaderEndpoint().equals(askedBroker.toString());
    }

    /** Transport failures: the broker is down, not yet listening, or did not answer in time. */
    public static boolean isRetriable(Status.Code code) {
        return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
                || code == Status.Code.CANCELLED;
    }
}
