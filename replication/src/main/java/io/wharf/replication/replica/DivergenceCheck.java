package io.wharf.replication.replica;

import io.wharf.replication.log.EpochEndOffset;
import java.util.Optional;
import java.util.function.IntFunction;

/**
 * The leader's side of log reconciliation (Kafka's fetch-time divergence check): from a
 * follower's fetch offset and the epoch of its last batch, decides whether the follower holds
 * records the leader does not, and where the last common epoch ends on the leader. Stateless.
 */
public final class DivergenceCheck {
    private DivergenceCheck() {
    }

    /**
     * @param leaderEpochEnd    the leader's "where does epoch E end" (its {@code Log::endOffsetForEpoch})
     * @param fetchOffset       the follower's log end offset
     * @param lastFetchedEpoch  the epoch of the follower's last batch, -1 when its log has none
     * @return the epoch and end offset to report as {@code DivergingEpoch}, or empty when the
     *     follower's log is a prefix of the leader's as far as epochs tell. The epoch is -1 and
     *     the end offset -1 when the leader knows no epoch at or below {@code lastFetchedEpoch}.
     */
    public static Optional<EpochEndOffset> diverging(IntFunction<EpochEndOffset> leaderEpochEnd, long fetchOffset,
                                                     int lastFetchedEpoch) {
        if (lastFetchedEpoch < 0) {
            return Optional.empty();
        }
        EpochEndOffset onLeader = leaderEpochEnd.apply(lastFetchedEpoch);
        if (onLeader.epoch() < lastFetchedEpoch || onLeader.endOffset() < fetchOffset) {
            return Optional.of(onLeader);
        }
        return Optional.empty();
    }
}
