package io.wharf.replication.replica;

import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogAppendInfo;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A follower replica of one partition: what it asks its leader for (fetch offset, durable end,
 * last fetched epoch) and how it applies the answer — truncate on a diverging epoch, append the
 * leader's batches unchanged, adopt the leader's high watermark capped by its own log end offset.
 *
 * <p>Not thread-safe: owned by the fetcher of its leader broker (one thread at a time).
 */
public final class FollowerReplica {

    private final Log log;
    private final int leaderEpoch;
    private long highWatermark;

    /**
     * @param leaderEpoch   the leader epoch this follower fetches under
     * @param highWatermark the HW it knew before (e.g. from when it led), 0 when unknown
     */
    public FollowerReplica(Log log, int leaderEpoch, long highWatermark) {
        this.log = log;
        this.leaderEpoch = leaderEpoch;
        this.highWatermark = Math.min(highWatermark, log.logEndOffset());
    }

    public Log log() {
        return log;
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** Where the next fetch starts: the log end offset. */
    public long fetchOffset() {
        return log.logEndOffset();
    }

    /** What the leader may count toward the high watermark (see {@link DurableOffsets}). */
    public long durableEndOffset() {
        return DurableOffsets.durableEnd(log);
    }

    /** The epoch of the last batch in the log, -1 when it has none. */
    public int lastFetchedEpoch() {
        return log.leaderEpochCache().latestEpoch().orElse(-1);
    }

    /**
     * Truncates after the leader reported divergence; the next fetch starts at the new end.
     *
     * @return the new log end offset
     */
    public long truncateOnDivergence(EpochEndOffset diverging) {
        long offset = FollowerTruncation.truncationOffset(diverging, log::endOffsetForEpoch, log.logEndOffset(),
                highWatermark);
        long end = log.truncateTo(offset);
        highWatermark = Math.min(highWatermark, end);
        return end;
    }

    /**
     * Applies one fetch answer that carried no divergence: appends {@code records} (whole batches
     * from the leader starting at this log's end, possibly none) and adopts {@code leaderHighWatermark}
     * capped by its own log end offset.
     *
     * @return what was appended, empty when the answer held no batches
     */
    public Optional<LogAppendInfo> applyFetched(ByteBuffer records, long leaderHighWatermark) {
        Optional<LogAppendInfo> appended = records.hasRemaining()
                ? Optional.of(log.appendAsFollower(records)) : Optional.empty();
        // As Kafka: the leader's HW is authoritative (a new leader may start lower), capped by our own end.
        highWatermark = Math.min(leaderHighWatermark, log.logEndOffset());
        return appended;
    }
}
