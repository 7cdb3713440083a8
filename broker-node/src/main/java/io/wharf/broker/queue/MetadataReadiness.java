package io.wharf.broker.queue;

import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Whether this broker's metadata image may answer for queues and exchanges. A broker that has not
 * caught up with the cluster since it started may lack a queue or an exchange that exists: it
 * must neither call the name unknown, which clients take as final, nor route a publish by what it
 * has not heard of yet, which would confirm it into no queue. It answers NOT_LEADER without a
 * leader instead, which clients retry, on another broker or after a backoff; Kafka's brokers
 * answer a partition they do not know yet with a retriable error for the same reason. Thread-safe.
 */
final class MetadataReadiness {

    private final int brokerId;
    private final BooleanSupplier caughtUp;

    /**
     * @param caughtUp whether this broker's image has caught up since it started: it reached this
     *     broker's registration once, the controllers' test before they unfence a broker
     */
    MetadataReadiness(int brokerId, BooleanSupplier caughtUp) {
        this.brokerId = brokerId;
        this.caughtUp = caughtUp;
    }

    /** NOT_LEADER, naming no leader, while this broker's image may lack {@code what}; empty once it has caught up. */
    Optional<Error> notCaughtUp(String what) {
        if (caughtUp.getAsBoolean()) {
            return Optional.empty();
        }
        return Optional.of(PartitionLookup.error(ErrorCode.NOT_LEADER, "broker " + brokerId + " has not caught up "
                + "with the cluster's metadata since it started, so it cannot serve " + what
                + " yet; retry, or use another broker"));
    }

    /** The answer for a queue this broker's image does not have: NOT_FOUND once caught up, NOT_LEADER before. */
    Error unknownQueue(String queue) {
        return notCaughtUp("queue '" + queue + "'").orElseGet(() -> QueueErrors.notFound(queue));
    }
}
