package io.wharf.replication.replica;

import io.wharf.replication.log.EpochEndOffset;
import java.util.function.IntFunction;

/**
 * The follower's side of log reconciliation: where to cut its log when the leader reports a
 * diverging epoch (Kafka's {@code getOffsetTruncationState}). After the cut the follower fetches
 * again; if the leader still sees divergence (the follower did not know the leader's epoch), it
 * answers with an earlier epoch, so repeated rounds converge on the last common epoch. Stateless.
 */
public final class FollowerTruncation {
    private FollowerTruncation() {
    }

    /**
     * @param diverging          the leader's answer: its last epoch at or below the follower's
     *                           last fetched epoch and where that epoch ends on the leader
     * @param followerEpochEnd   the follower's {@code Log::endOffsetForEpoch}
     * @param followerEndOffset  the follower's log end offset
     * @param followerHighWatermark the follower's high watermark, the floor when the leader knows no common epoch
     * @return the offset to truncate the follower's log to (never above its log end offset)
     */
    public static long truncationOffset(EpochEndOffset diverging, IntFunction<EpochEndOffset> followerEpochEnd,
                                        long followerEndOffset, long followerHighWatermark) {
        if (diverging.endOffset() < 0) {
            // The leader shares no epoch with us: only what was committed (below our HW) is safe.
            return Math.min(Math.max(followerHighWatermark, 0), followerEndOffset);
        }
        if (diverging.epoch() < 0) {
            return Math.min(diverging.endOffset(), followerEndOffset);
        }
        EpochEndOffset own = followerEpochEnd.apply(diverging.epoch());
        if (own.endOffset() < 0) {
            return Math.min(diverging.endOffset(), followerEndOffset);
        }
        if (own.epoch() != diverging.epoch()) {
            // We never had the leader's epoch: cut to the end of our largest epoch below it and ask again.
            return Math.min(own.endOffset(), followerEndOffset);
        }
        return Math.min(Math.min(own.endOffset(), diverging.endOffset()), followerEndOffset);
    }
}
