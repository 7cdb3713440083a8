package io.wharf.replication.replica;

/**
 * What the leader knows about one follower from its fetches: how far its log reaches, how much of
 * it is durable, and when it was last caught up. Soft state, never persisted. Immutable.
 *
 * @param replicaId                the follower broker
 * @param fetchOffset              its log end offset as of its last fetch; -1 before its first fetch
 * @param durableEndOffset         offsets below this are durable on the follower (≤ fetchOffset); -1 before
 * @param lastCaughtUpTimeMs       the last time its log reached the leader's log end offset
 * @param lastFetchTimeMs          when its last fetch arrived; -1 before the first
 * @param lastFetchLeaderEndOffset the leader's log end offset when that fetch arrived
 */
public record ReplicaProgress(int replicaId, long fetchOffset, long durableEndOffset, long lastCaughtUpTimeMs,
                              long lastFetchTimeMs, long lastFetchLeaderEndOffset) {

    /** A follower not heard from yet, counted as caught up at {@code nowMs} (Kafka does the same). */
    public static ReplicaProgress unknown(int replicaId, long nowMs) {
        return new ReplicaProgress(replicaId, -1, -1, nowMs, -1, -1);
    }

    /**
     * This follower after a fetch at {@code fetchOffset} arrived at {@code nowMs}, while the
     * leader's log ended at {@code leaderEndOffset}. Like Kafka, it counts as caught up now if it
     * reached the leader's end, or as of its previous fetch if it now reaches what the leader's
     * end was then.
     */
    public ReplicaProgress afterFetch(long newFetchOffset, long newDurableEndOffset, long leaderEndOffset, long nowMs) {
        long caughtUp = lastCaughtUpTimeMs;
        if (newFetchOffset >= leaderEndOffset) {
            caughtUp = Math.max(caughtUp, nowMs);
        } else if (lastFetchTimeMs >= 0 && newFetchOffset >= lastFetchLeaderEndOffset) {
            caughtUp = Math.max(caughtUp, lastFetchTimeMs);
        }
        long durable = Math.min(newDurableEndOffset, newFetchOffset);
        return new ReplicaProgress(replicaId, newFetchOffset, durable, caughtUp, nowMs, leaderEndOffset);
    }
}
