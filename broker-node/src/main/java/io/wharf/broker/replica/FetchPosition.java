package io.wharf.broker.replica;

/**
 * One partition's position as a follower last reported it in a ReplicaFetch: what the leader
 * serves it from and what it records as the follower's progress. Immutable.
 *
 * @param fetchOffset        the follower's log end offset
 * @param durableEndOffset   its flushed offset, which counts toward the high watermark
 * @param currentLeaderEpoch the leader epoch it believes in
 * @param lastFetchedEpoch   the epoch of its last batch, -1 when its log is empty
 * @param maxBytes           how much it takes for this partition in one answer
 */
record FetchPosition(long fetchOffset, long durableEndOffset, int currentLeaderEpoch, int lastFetchedEpoch,
                     int maxBytes) {
}
