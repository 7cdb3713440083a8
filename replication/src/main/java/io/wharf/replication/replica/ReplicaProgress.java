package io.wharf.replication.replica;

/**
 * What the leader knows about one follower from its fetches and durability reports: how far its
 * log reaches, how much of it is durable, and when it was last caught up. Soft state, never
 * persisted. Immutable.
 *
 * <p>The durable end counts only offsets the follower both reported fsynced and fetched past, so
 * that a fetch's divergence check covers them. It does not go back while the fetch offset does
 * not: a follower fsyncs beside its next fetch, so a fetch (or a long-polling fetch evaluated
 * again) can carry an older durable end than a report that arrived before it.
 *
 * @param replicaId                the follower broker
 * @param fetchOffset              its log end offset as of its last fetch; -1 before its first fetch
 * @param durableEndOffset         offsets below this are durable on the follower (≤ fetchOffset); -1 before
 * @param lastCaughtUpTimeMs       the last time its log reached the leader's log end offset
 * @param lastFetchTimeMs          when its last fetch arrived; -1 before the first
 * @param lastFetchLeaderEndOffset the leader's log end offset when that fetch arrived
 * @param reportedDurableEndOffset the highest durable end it reported, which may run ahead of the
 *                                 fetch offset when the report overtook its fetch; -1 before
 */
public record ReplicaProgress(int replicaId, long fetchOffset, long durableEndOffset, long lastCaughtUpTimeMs,
                              long lastFetchTimeMs, long lastFetchLeaderEndOffset, long reportedDurableEndOffset) {

    /** A follower not heard from yet, counted as caught up at {@code nowMs} (Kafka does the same). */
    public static ReplicaProgress unknown(int replicaId, long nowMs) {
        return new ReplicaProgress(replicaId, -1, -1, nowMs, -1, -1, -1);
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
        if (newFetchOffset < fetchOffset) {
            // Its log went back (a restart lost an unflushed tail): only this fetch's word counts.
            return new ReplicaProgress(replicaId, newFetchOffset, Math.min(newDurableEndOffset, newFetchOffset),
                    caughtUp, nowMs, leaderEndOffset, -1);
        }
        long durable = Math.max(durableEndOffset,
                Math.min(Math.max(newDurableEndOffset, reportedDurableEndOffset), newFetchOffset));
        return new ReplicaProgress(replicaId, newFetchOffset, durable, caughtUp, nowMs, leaderEndOffset,
                reportedDurableEndOffset);
    }

    /**
     * This follower after it reported {@code reportedDurableEnd} fsynced: counted up to its fetch
     * offset now, the rest once a fetch reaches past it.
     */
    public ReplicaProgress afterDurableReport(long reportedDurableEnd) {
        long reported = Math.max(reportedDurableEndOffset, reportedDurableEnd);
        long durable = Math.max(durableEndOffset, Math.min(reported, fetchOffset));
        return new ReplicaProgress(replicaId, fetchOffset, durable, lastCaughtUpTimeMs, lastFetchTimeMs,
                lastFetchLeaderEndOffset, reported);
    }
}
