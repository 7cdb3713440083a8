package io.wharf.replication.log;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.locks.Lock;

/**
 * The log start offset and what moves it up: DeleteRecords and retention, which delete the oldest
 * segments once nothing in them is wanted. The new start is checkpointed before any segment file
 * is deleted, so a crash midway leaves segments below the start that the next open removes.
 *
 * <p>Threading: the moves run under the {@link Log}'s append lock; segment files are deleted
 * under {@code deletionLock} (the log's structure write lock) so reads see them whole or not at
 * all. The start offset is volatile for readers that take no lock.
 */
final class LogStart {
    private final SegmentSet segments;
    private final RecoveryPointTracker recovery;
    private final LeaderEpochCache epochCache;
    private final Clock clock;
    private final Lock deletionLock;
    private volatile long offset;

    LogStart(long offset, SegmentSet segments, RecoveryPointTracker recovery, LeaderEpochCache epochCache, Clock clock,
             Lock deletionLock) {
        this.offset = offset;
        this.segments = segments;
        this.recovery = recovery;
        this.epochCache = epochCache;
        this.clock = clock;
        this.deletionLock = deletionLock;
    }

    /** First offset a read may ask for. */
    long offset() {
        return offset;
    }

    /** Whether records may have been removed below the start, taking some producers' earlier batches with them. */
    boolean mayHaveRemovedRecords() {
        return offset > 0;
    }

    /**
     * The log was emptied and restarts at {@code newStart}, which may lie below the current start.
     * The caller removes the segments after this.
     */
    void restartAt(long newStart) {
        offset = newStart;
    }

    /**
     * Moves the start up to {@code newStart} and deletes the segments wholly below it.
     *
     * @return the start afterwards
     * @throws OffsetOutOfRangeException if {@code newStart} is beyond the log end offset
     */
    long deleteRecordsBefore(long newStart) throws IOException {
        long end = segments.logEndOffset();
        if (newStart > end) {
            throw new OffsetOutOfRangeException(newStart, offset, end);
        }
        if (newStart > offset) {
            advance(newStart, segments.countSegmentsBelow(newStart));
        }
        return offset;
    }

    /**
     * Deletes the oldest closed segments {@code policy} lets go (see {@link SegmentRetention}) up
     * to {@code upperBoundOffset} and starts the log at the first segment kept.
     *
     * @return the number of segments deleted
     */
    int enforce(RetentionPolicy policy, long upperBoundOffset) throws IOException {
        List<SegmentRetention.ClosedSegment> closed = segments.closedSegments();
        int deletable = SegmentRetention.deletableSegments(closed, segments.sizeInBytes(), clock.millis(), policy,
                upperBoundOffset);
        if (deletable > 0) {
            advance(Math.max(offset, closed.get(deletable - 1).nextOffset()), deletable);
        }
        return deletable;
    }

    /** Background fsyncs of the doomed segments are cancelled or, if running, awaited. */
    private void advance(long newStart, int oldestSegmentsToDelete) throws IOException {
        offset = newStart;
        recovery.forgetRange(Long.MIN_VALUE, segments.baseOffsetAfterOldest(oldestSegmentsToDelete));
        recovery.publish();
        deletionLock.lock();
        try {
            segments.deleteOldest(oldestSegmentsToDelete);
        } finally {
            deletionLock.unlock();
        }
        epochCache.truncateFromStart(newStart);
    }
}
