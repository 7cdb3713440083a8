package io.wharf.client.queue;

import io.wharf.proto.common.ErrorCode;

/**
 * The publisher confirm of one publish. Immutable.
 *
 * @param sequence the publish's sequence number within its publisher (1, 2, ...)
 * @param status whether it was stored, returned or refused
 * @param error {@link ErrorCode#NONE} unless {@link Status#NACKED}
 * @param message the broker's (or the client's) reason for a nack; empty otherwise
 * @param routedQueues how many queues the broker routed it to (0 when returned or unknown)
 */
public record PublishOutcome(long sequence, Status status, ErrorCode error, String message, int routedQueues) {

    /** What became of a publish. */
    public enum Status {
        /** Every queue it was routed to committed it, or it was unroutable and not mandatory. */
        ACKED,
        /** Unroutable and mandatory: returned to the publisher (RabbitMQ's basic.return), stored nowhere. */
        RETURNED,
        /**
         * Refused ({@link #error()} says why), or not confirmed within the delivery timeout; queues
         * that did commit it keep it.
         */
        NACKED
    }

    static PublishOutcome nacked(long sequence, ErrorCode error, String message) {
        return new PublishOutcome(sequence, Status.NACKED, error, message, 0);
    }

    /** Whether the message is stored in every queue it was routed to (returned ones are not). */
    public boolean acked() {
        return status == Status.ACKED;
    }
}
