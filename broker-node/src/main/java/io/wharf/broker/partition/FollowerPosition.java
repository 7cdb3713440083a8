package io.wharf.broker.partition;

/**
 * Where a follower replica stands, for its next ReplicaFetch. Immutable.
 *
 * @param leaderId         the broker it follows
 * @param leaderEpoch      the leader epoch it believes in
 * @param fetchOffset      its log end offset
 * @param durableEndOffset what counts toward the leader's high watermark
 * @param lastFetchedEpoch the epoch of its last batch, -1 when its log has none
 */
public record FollowerPosition(int leaderId, int leaderEpoch, long fetchOffset, long durableEndOffset,
                               int lastFetchedEpoch) {
}
