package io.wharf.replication.log;

import java.io.IOException;

/**
 * Cuts a log back: at its end when a follower diverged from its leader, or entirely when the log
 * must restart empty at another offset. Besides the segments, the leader-epoch history, the
 * recovery point, the flushed offset and the producer state follow the cut. Not thread-safe: the
 * {@link Log} calls it under its append lock and structure write lock.
 */
final class LogTruncation {
    private final SegmentSet segments;
    private final LogStart logStart;
    private final LeaderEpochCache epochCache;
    private final RecoveryPointTracker recovery;
    private final LogProducerState producers;

    LogTruncation(SegmentSet segments, LogStart logStart, LeaderEpochCache epochCache, RecoveryPointTracker recovery,
                  LogProducerState producers) {
        this.segments = segments;
        this.logStart = logStart;
        this.epochCache = epochCache;
        this.recovery = recovery;
        this.producers = producers;
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset}; below the log start the log
     * restarts empty at {@code offset}, forgetting every producer as {@link #restartFullyAt} does
     * (as Kafka's {@code truncateTo} does there).
     *
     * @return the new log end offset
     */
    long truncateTo(long offset, LogConfig config) throws IOException {
        long end = segments.logEndOffset();
        if (offset >= end) {
            return end;
        }
        if (offset < logStart.offset()) {
            // A producer state kept from the removed batches would, on a leader, take a retry of one
            // of them for a duplicate and acknowledge it without writing it.
            restartFullyAt(offset, config);
            return offset;
        }
        long newEnd = segments.truncateTo(offset);
        epochCache.truncateFromEnd(newEnd);
        recovery.truncated(newEnd);
        producers.rebuild(segments);
        return newEnd;
    }

    /**
     * Empties the log and restarts it at {@code offset} (Kafka's {@code truncateFullyAndStartAt}):
     * every segment and the epoch history go, and the producer state is cleared as well.
     */
    void restartFullyAt(long offset, LogConfig config) throws IOException {
        logStart.restartAt(offset);
        segments.restartEmptyAt(offset, config);
        epochCache.clear();
        // Nothing of any producer is left; one that goes on is accepted since the log no longer starts at 0.
        producers.clear();
    }
}
