package io.wharf.replication.replica;

import io.wharf.record.RecordBatch;
import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogAppendInfo;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * A follower replica of one partition: what it asks its leader for (fetch offset, durable end,
 * last fetched epoch) and how it applies the answer — truncate on a diverging epoch, append the
 * leader's batches unchanged, adopt the leader's high watermark capped by its own log end offset
 * and the leader's log start offset, and restart its log at the leader's log start when it fell
 * below it.
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
     * from the leader starting at this log's end, possibly none), adopts {@code leaderHighWatermark}
     * capped by its own log end offset, and moves its log start up to {@code leaderLogStartOffset}
     * (deleting its own segments wholly below it), as Kafka's follower does: what retention or
     * DeleteRecords removed on the leader goes here too. The log start never passes this
     * replica's high watermark, nor moves back.
     *
     * @param leaderLogStartOffset the leader's log start offset; negative when unknown (ignored)
     * @return what was appended, empty when the answer held no batches
     */
    public Optional<LogAppendInfo> applyFetched(ByteBuffer records, long leaderHighWatermark,
                                                long leaderLogStartOffset) {
        if (records.hasRemaining()) {
            restartAtFirstBatchIfItStraddlesTheStart(records);
        }
        Optional<LogAppendInfo> appended = records.hasRemaining()
                ? Optional.of(log.appendAsFollower(records)) : Optional.empty();
        // As Kafka: the leader's HW is authoritative (a new leader may start lower), capped by our own end.
        highWatermark = Math.min(leaderHighWatermark, log.logEndOffset());
        long newStart = Math.min(leaderLogStartOffset, highWatermark);
        if (newStart > log.logStartOffset()) {
            log.deleteRecordsBefore(newStart);
        }
        return appended;
    }

    /**
     * Applies the leader's OFFSET_OUT_OF_RANGE answer: when this replica's fetch offset is below
     * the leader's log start offset (retention or DeleteRecords removed what it would fetch next
     * while it was away), its log is emptied and restarted at the leader's log start, from where
     * it copies the rest (Kafka's {@code truncateFullyAndStartAt}). Nothing below that offset
     * exists on the leader any more, so the high watermark starts there too.
     *
     * @return true when the log was restarted; false when the fetch offset is not below the
     *     leader's log start (then the answer was about something else and the log is untouched)
     */
    public boolean restartBelowLeaderLogStart(long leaderLogStartOffset) {
        if (leaderLogStartOffset < 0 || log.logEndOffset() >= leaderLogStartOffset) {
            return false;
        }
        log.truncateFullyAndStartAt(leaderLogStartOffset);
        highWatermark = leaderLogStartOffset;
        return true;
    }

    /**
     * The leader's log start may fall inside a batch (DeleteRecords), and a fetch from there
     * returns the whole batch. An empty log restarted at that offset then restarts at the batch's
     * base instead, so the batch can be appended whole, as Kafka's follower does.
     */
    private void restartAtFirstBatchIfItStraddlesTheStart(ByteBuffer records) {
        long end = log.logEndOffset();
        if (end != log.logStartOffset() || records.remaining() < RecordBatch.HEADER_SIZE) {
            return;
        }
        RecordBatch first = RecordBatch.readUnverified(records.duplicate());
        if (first.baseOffset() < end && first.lastOffset() >= end) {
            log.truncateFullyAndStartAt(first.baseOffset());
            highWatermark = Math.min(highWatermark, first.baseOffset());
        }
    }
}
