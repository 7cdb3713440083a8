package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.replica.ReplicationException;

/**
 * The refusals a leader answers a read with: a caller's leader epoch that is not its own, an
 * offset outside its log. Stateless.
 */
final class ReadRefusals {

    private ReadRefusals() {
    }

    /**
     * Refuses a caller whose leader epoch (-1: any) is not {@code leaderEpoch}.
     *
     * @throws ReplicationException FENCED_LEADER_EPOCH (older) or UNKNOWN_LEADER_EPOCH (newer)
     */
    static void checkLeaderEpoch(int leaderEpoch, int callerEpoch) {
        if (callerEpoch < 0 || callerEpoch == leaderEpoch) {
            return;
        }
        if (callerEpoch < leaderEpoch) {
            throw new ReplicationException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + callerEpoch
                    + " is older than the current " + leaderEpoch + "; refresh metadata");
        }
        throw new ReplicationException(ErrorCode.UNKNOWN_LEADER_EPOCH, "leader epoch " + callerEpoch
                + " is newer than this leader's " + leaderEpoch + "; retry shortly");
    }

    /** OFFSET_OUT_OF_RANGE for {@code offset} of {@code tp}, naming the valid range [start, end] and what ends it. */
    static ReplicationException outOfRange(TopicPartition tp, long offset, long start, long end, String endName) {
        String why = offset < start ? "; records below " + start + " were deleted by retention or DeleteRecords"
                + " (ListOffsets with timestamp -2 gives the earliest offset)" : "";
        return new ReplicationException(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + offset + " of " + tp
                + " is out of range; valid offsets are " + start + " (log start) to " + end + " (" + endName + ")"
                + why);
    }
}
