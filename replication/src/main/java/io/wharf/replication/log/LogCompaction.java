package io.wharf.replication.log;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The compaction of one {@link Log} ({@code cleanup.policy} compact), as Kafka's log cleaner does
 * it: the latest record of each key is kept, offsets are unchanged, so the log then has gaps,
 * which reads skip and follower appends accept. {@code cleaner-offset-checkpoint} holds where the
 * next cleaning starts. Obtained from {@link Log#compaction()}; the broker's cleaner thread
 * measures logs with {@link #cleanableSection} and cleans them with {@link #clean}.
 *
 * <p>Only what is committed (below the high watermark) and fsynced (below the recovery point, so
 * no roll fsync is pending there) is cleaned. Cleaned segments are swapped in under the log's
 * structure write lock, so no read sees the segments halfway, and a cleaning stops early when the
 * log closes or something waits to remove segments ({@link LogLocks}). The rewriting itself is the
 * {@link LogCleaner}'s.
 *
 * <p>Threading: thread-safe; one cleaning at a time.
 */
public final class LogCompaction {
    private final Path dir;
    private final Supplier<LogConfig> config;
    private final Clock clock;
    private final LogLocks locks;
    private final OfflineSwitch offline;
    private final SegmentSet segments;
    private final LogStart logStart;
    private final RecoveryPointTracker recovery;
    private final LogProducerState producers;
    private final LogCleaner cleaner;

    /** @param config the log's config now (it may change between cleanings) */
    LogCompaction(Path dir, LogFileChannels channels, Supplier<LogConfig> config, Clock clock, LogLocks locks,
                  OfflineSwitch offline, SegmentSet segments, LogStart logStart, RecoveryPointTracker recovery,
                  LogProducerState producers) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.locks = locks;
        this.offline = offline;
        this.segments = segments;
        this.logStart = logStart;
        this.recovery = recovery;
        this.producers = producers;
        this.cleaner = new LogCleaner(dir, segments, channels);
    }

    /**
     * What the cleaner could do to this log now (see {@link CleanableSection}); for a log whose
     * policy does not compact, an empty section.
     *
     * @param highWatermark nothing at or above it is cleaned (records not yet committed may be truncated)
     */
    public CleanableSection cleanableSection(long highWatermark) {
        LogConfig current = config.get();
        long start = logStart.offset();
        if (!current.cleanupPolicy().compacts()) {
            return new CleanableSection(start, start, 0, 0, false);
        }
        return cleaner.section(current, start, cleanableUpperBound(highWatermark), clock.millis());
    }

    /** Below the high watermark (committed) and the recovery point (fsynced, so no roll fsync is pending there). */
    private long cleanableUpperBound(long highWatermark) {
        return Math.min(highWatermark, recovery.recoveryPoint());
    }

    /**
     * Compacts the dirty section (see {@link CleanableSection}): keeps the latest record of every
     * key, drops tombstones older than {@code delete.retention.ms}, keeps each producer's last
     * batch (empty if need be) so its sequences survive, and rewrites the closed segments from
     * the log start to the end of the dirty section, merging small ones, offsets unchanged. Each
     * group of segments is written beside the old ones and swapped in so that a crash at any step
     * reopens with either the old or the new segments whole ({@link LogCleaner}). Appends and
     * reads go on meanwhile; truncation, retention and close ask a running cleaning to stop and
     * wait for it (one batch). Called by the broker's cleaner thread. A storage fault takes the
     * log offline as for any other call.
     *
     * @param highWatermark nothing at or above it is cleaned
     * @return what was done ({@link CleanResult#nothing} when nothing was dirty, the policy does
     *     not compact, or the cleaning was stopped early)
     * @throws InterruptedException if the thread is interrupted while throttled
     * @throws IllegalStateException if not even one segment's keys fit {@code options}' dedupe buffer
     */
    public CleanResult clean(long highWatermark, CleanerOptions options) throws InterruptedException {
        return locks.cleaning(() -> {
            LogConfig current = config.get();
            long start = logStart.offset();
            if (!current.cleanupPolicy().compacts()) {
                return CleanResult.nothing(start);
            }
            long nowMs = clock.millis();
            CleanableSection section = cleaner.section(current, start, cleanableUpperBound(highWatermark), nowMs);
            Set<Long> producerLastBatches = locks.appending("cleaning",
                    () -> producers.table().lastBatchBaseOffsets());
            try {
                return offline.call("cleaning", () -> cleaner.clean(section, current, options, nowMs,
                        producerLastBatches, locks::cleaningShouldStop, this::swapIn));
            } catch (LogCleaner.CleaningAbortedException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("cleaning of " + dir + " interrupted while throttled");
                }
                return CleanResult.nothing(section.firstDirtyOffset());
            }
        });
    }

    private void swapIn(List<LogSegment> old, LogSegment cleaned) {
        locks.restructuring("swapping in a cleaned segment", () -> {
            segments.replace(old, cleaned);
            return null;
        });
    }
}
