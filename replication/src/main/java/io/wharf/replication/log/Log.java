package io.wharf.replication.log;

import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.replication.producer.BatchIdentity;
import io.wharf.replication.producer.ProducerStateTable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The storage of one partition: a directory of {@link LogSegment}s holding Kafka v2 batches,
 * with offsets, leader epochs, durability, truncation and retention. It owns no threads.
 *
 * <p>Threading: thread-safe. Appends, rolls, truncation, retention and close are serialized by
 * an append lock; reads run concurrently with appends and see whole batches only. Structural
 * changes that remove bytes (truncation, segment deletion) also take the write side of a
 * read/write lock that reads hold while locating batches. In {@link FlushMode#SYNC} an append
 * returns only after its batches are fsynced; the fsync is group-committed by the appending
 * threads themselves ({@link GroupCommit}), so concurrent appenders share one fsync. In
 * {@link FlushMode#DEFERRED} an append returns once written and the owner fsyncs with
 * {@link #flush()}; only fsynced offsets count as durable.
 *
 * <p>Rolling a segment fsyncs the sealed segment. Unless {@link FlushMode#SYNC}, with a flush executor
 * ({@link #open(Path, LogConfig, Clock, Executor)}) that fsync runs on the executor instead of the
 * appending thread; the recovery point (checkpoint) and {@link #flushedOffset()} advance only once
 * it has completed ({@link RecoveryPointTracker}).
 *
 * <p>Files in the partition directory: {@code <base>.log/.index/.timeindex} per segment,
 * {@code log-offsets.checkpoint} (log start offset, recovery point), {@code cleaner-offset-checkpoint},
 * {@code leader-epoch-checkpoint}, and {@code .clean-shutdown} while closed cleanly.
 *
 * <p>Idempotent producers: the log keeps a {@link ProducerStateTable} (guarded by the append
 * lock). A leader append checks each producer's sequences against it, answers batches written
 * before with their original offsets and refuses out-of-order ones; every append (leader or
 * follower) records its batches in it. It is rebuilt from the batch headers of the whole log
 * when the log opens and after a truncation (headers only, no records are read).
 *
 * <p>Compaction ({@code cleanup.policy} compact): {@link #clean} rewrites closed segments keeping
 * the latest record of each key ({@link LogCleaner}); offsets are unchanged, so the log then has
 * gaps, which reads skip and follower appends accept. {@code cleaner-offset-checkpoint} holds
 * where the next cleaning starts.
 *
 * <p>Storage faults: the first I/O error in the log's files takes the log offline for good
 * ({@link #onOffline}): that call and every later append, read, flush, truncation and retention
 * call throw {@link LogOfflineException}. A failed fsync is never retried, so
 * {@link #flushedOffset()} never passes what an fsync covered. Reopening the directory recovers it.
 */
public final class Log implements AutoCloseable {
    private final Path dir;
    private volatile LogConfig config;   // replaced by updateConfig; each use reads one immutable value
    private final Clock clock;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final OfflineSwitch offline;
    private final LeaderEpochCache epochCache;
    private final GroupCommit groupCommit;
    private final RecoveryPointTracker recovery;
    private final SegmentSet segments;
    private final LogStart logStart;
    /** Guarded by the append lock, as are the appender and the truncation that update it. */
    private final LogProducerState producers = new LogProducerState();
    private final LogAppender appender;
    private final LogTruncation truncation;
    /** Held by a cleaning throughout; taken (before the append lock) by everything that removes segments. */
    private final ReentrantLock cleanerLock = new ReentrantLock();
    /** Callers waiting for the cleaner lock: a running cleaning stops early when there are any. */
    private final AtomicInteger cleaningPauses = new AtomicInteger();
    private final LogCleaner cleaner;
    private volatile boolean closed;
    private final List<Consumer<? super LogDirectoryFullException>> directoryFullListeners = new CopyOnWriteArrayList<>();

    private Log(Path dir, LogConfig config, Clock clock, LogFileChannels channels, LogLoader.Loaded loaded,
                Executor flushExecutor, RecoveryPointTracker.SegmentFsync segmentFsync) throws IOException {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.offline = new OfflineSwitch(dir);
        this.epochCache = loaded.epochCache();
        long logEnd = loaded.segments().lastEntry().getValue().nextOffset();
        this.groupCommit = new GroupCommit(this::logEndOffset, this::flushAppended, logEnd);
        this.recovery = new RecoveryPointTracker(loaded.checkpoint(), groupCommit, this::logStartOffset, logEnd,
                segmentFsync, offline);
        this.segments = new SegmentSet(dir, channels, loaded.segments(), recovery,
                config.flushMode() != FlushMode.SYNC ? flushExecutor : null);
        this.logStart = new LogStart(loaded.logStartOffset(), segments, recovery, epochCache, clock,
                structureLock.writeLock());
        this.appender = new LogAppender(segments, epochCache, producers, logStart, clock);
        this.truncation = new LogTruncation(segments, logStart, epochCache, recovery, producers);
        this.cleaner = new LogCleaner(dir, segments, channels);
        producers.rebuild(segments);
    }

    /**
     * Opens (or creates) the log in {@code dir}, recovering after an unclean stop: batches after
     * the recovery point are re-verified, a torn or corrupt tail is cut and indexes rebuilt.
     *
     * @param clock time source for segment.ms and retention.ms
     */
    public static Log open(Path dir, LogConfig config, Clock clock) {
        return open(dir, config, clock, null);
    }

    /**
     * Opens the log like {@link #open(Path, LogConfig, Clock)}, and unless {@link FlushMode#SYNC}
     * moves the fsync of each rolled segment off the appending thread onto {@code flushExecutor}
     * (as Kafka's scheduler does), so appends do not stall on disk bandwidth at a roll. In
     * {@link FlushMode#SYNC} the executor is not used.
     *
     * <p>Threading contract: the log still owns no threads. Each roll submits one short task that
     * fsyncs one sealed segment (data and indexes) and then writes the checkpoint; the executor
     * may run tasks on any thread, in any order, concurrently, or inline in {@code execute}. The
     * caller owns the executor and shuts it down after closing its logs; a task run after the log
     * closed, or after its segment was truncated or deleted, does nothing. If {@code execute}
     * throws {@link RejectedExecutionException} the roll fsyncs inline instead.
     *
     * <p>Guarantees: the recovery point and {@link #flushedOffset()} pass a rolled segment only
     * after its fsync has returned. {@link #flush()} and {@link #close()} fsync on the calling
     * thread any rolled segment whose task has not run yet and wait for one that is running.
     * Truncation and deletion of a segment cancel its task if it has not started and otherwise
     * wait for the fsync in progress (holding the append lock, so appends wait too — bounded by
     * one segment's fsync). A failed background fsync is never thrown to the executor: it takes the
     * log offline (see {@link #onOffline}, whose listeners then run on the executor's thread), the
     * recovery point stays below that segment, and the next call on the log throws
     * {@link LogOfflineException}.
     *
     * @param flushExecutor runs background fsyncs of rolled segments; null fsyncs them inline
     */
    public static Log open(Path dir, LogConfig config, Clock clock, Executor flushExecutor) {
        return open(dir, config, clock, flushExecutor, LogFileChannels.DEFAULT);
    }

    /**
     * Opens the log like {@link #open(Path, LogConfig, Clock, Executor)}, with its segment data
     * files opened through {@code channels} instead of {@link LogFileChannels#DEFAULT}: the seam
     * through which tests inject failing or slow disks.
     */
    public static Log open(Path dir, LogConfig config, Clock clock, Executor flushExecutor, LogFileChannels channels) {
        return open(dir, config, clock, flushExecutor, channels, LogSegment::flushAll);
    }

    /** {@link #open(Path, LogConfig, Clock, Executor)} with the fsync of rolled segments replaceable, for tests. */
    static Log open(Path dir, LogConfig config, Clock clock, Executor flushExecutor,
                    RecoveryPointTracker.SegmentFsync segmentFsync) {
        return open(dir, config, clock, flushExecutor, LogFileChannels.DEFAULT, segmentFsync);
    }

    private static Log open(Path dir, LogConfig config, Clock clock, Executor flushExecutor, LogFileChannels channels,
                            RecoveryPointTracker.SegmentFsync segmentFsync) {
        try {
            return new Log(dir, config, clock, channels, LogLoader.load(dir, config, channels, clock.millis()),
                    flushExecutor, segmentFsync);
        } catch (IOException e) {
            throw new LogStorageException("cannot open the log in " + dir, e);
        }
    }

    /**
     * {@link #appendAsLeader(ByteBuffer, int, long)} without checking that producer ids were
     * allocated (every id counts as known).
     */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch) {
        return appendAsLeader(batches, leaderEpoch, Long.MAX_VALUE);
    }

    /**
     * Appends batches from a producer as the leader: validates every batch first (framing, magic,
     * CRC, size, offset deltas 0..count-1, idempotent producers' ids and sequences), then stamps
     * base offsets from the log end offset and {@code leaderEpoch} in place in {@code batches} and
     * writes them. Leading batches an idempotent producer had already written (a retry) are not
     * written again; the answer gives their original offsets. In SYNC mode returns after the
     * fsync (also for duplicates, which may have been written a moment ago). On any validation
     * error nothing is appended.
     *
     * @param batches one or more concatenated v2 batches (its remaining bytes)
     * @param producerIdLimit producer ids at or above it were never allocated (UNKNOWN_PRODUCER_ID)
     * @throws CorruptRecordException if a batch breaks the format
     * @throws RecordTooLargeException if a batch exceeds max.message.bytes
     * @throws InvalidAppendException if offset deltas are not 0..count-1, the epoch is older
     *     than the log's latest, a producer id is unknown, or a producer's sequence or epoch does
     *     not continue what this log holds (OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH)
     */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch, long producerIdLimit) {
        List<RecordBatch> parsed = AppendValidator.validate(batches, true, config);
        List<BatchIdentity> identities = AppendValidator.identities(parsed, producerIdLimit);
        return maybeAwaitFlush(appendLocked(() -> appender.asLeader(batches, parsed, identities, leaderEpoch, config)));
    }

    /**
     * Appends batches copied from the leader, keeping their offsets and epochs: the first must
     * start at the log end offset and each must follow the previous. In SYNC mode returns after
     * the fsync. On any validation error nothing is appended.
     *
     * @throws CorruptRecordException if a batch breaks the format
     * @throws RecordTooLargeException if a batch exceeds max.message.bytes
     * @throws InvalidAppendException if the offsets do not continue the log
     */
    public LogAppendInfo appendAsFollower(ByteBuffer batches) {
        List<RecordBatch> parsed = AppendValidator.validate(batches, false, config);
        return maybeAwaitFlush(appendLocked(() -> appender.asFollower(batches, parsed, config)));
    }

    /**
     * Runs an append under the append lock. A full disk that refused it before anything of it
     * reached the log ({@link LogDirectoryFullException}: the segment write rolled back by the
     * segments, or the leader-epoch checkpoint, whose cache rolled back) leaves the log online;
     * the listeners hear of it and the caller gets the exception. Any other storage fault takes the
     * log offline.
     */
    private LogAppendInfo appendLocked(OfflineSwitch.StorageCall<LogAppendInfo> append) {
        try {
            return locked(appendLock, "append", () -> {
                long logEnd = segments.logEndOffset();
                try {
                    return append.call();
                } catch (LogDirectoryFullException e) {
                    throw withoutEpochsPast(logEnd, e);
                } catch (LogStorageException e) {
                    if (!LogDirectoryFullException.isNoSpace(e) || segments.logEndOffset() != logEnd) {
                        throw e;
                    }
                    throw withoutEpochsPast(logEnd,
                            new LogDirectoryFullException(dir, "the leader-epoch checkpoint of an append", e));
                }
            });
        } catch (LogDirectoryFullException e) {
            directoryFullListeners.forEach(listener -> listener.accept(e));
            throw e;
        }
    }

    private LogAppendInfo maybeAwaitFlush(LogAppendInfo info) {
        if (config.flushMode() != FlushMode.SYNC) {
            return info;
        }
        groupCommit.awaitFlushed(info.nextOffset());
        return new LogAppendInfo(info.firstOffset(), info.lastOffset(), info.batchCount(), info.sizeInBytes(), true,
                info.batchBaseOffsets(), info.duplicateBatches());
    }

    /** The group-commit fsync: rolled segments still waiting for a background fsync first, then the active one. */
    private void flushAppended() {
        locked(structureLock.readLock(), "fsync", () -> {
            segments.flushAppended();
            return null;
        });
    }

    /** Reads whole batches from {@code startOffset} up to about {@code maxBytes}; see {@link #read(long, int, long)}. */
    public LogSlice read(long startOffset, int maxBytes) {
        return read(startOffset, maxBytes, Long.MAX_VALUE);
    }

    /**
     * Reads whole batches starting with the one that holds {@code startOffset}, within one segment,
     * up to {@code maxBytes} (at least one batch is returned even if it is larger, so a reader
     * always progresses), and only batches that end below {@code maxOffsetExclusive} (e.g. a high
     * watermark). The log itself knows no high watermark. Reading at the log end offset returns
     * an empty slice.
     *
     * @throws OffsetOutOfRangeException if {@code startOffset} is below the log start offset or
     *     above the log end offset
     */
    public LogSlice read(long startOffset, int maxBytes, long maxOffsetExclusive) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive, got " + maxBytes);
        }
        return locked(structureLock.readLock(), "read",
                () -> segments.read(startOffset, maxBytes, maxOffsetExclusive, logStart.offset()));
    }

    /**
     * Reads like {@link #read(long, int, long)} and copies the batches into a new heap buffer
     * (positioned at 0; empty when there are none) before returning. The copy is made while
     * segment deletion (retention, truncation) is held off, so unlike a {@link LogSlice} it never
     * fails because retention deleted its segment meanwhile: use it to serve readers while
     * {@link #enforceRetention} runs.
     *
     * @throws OffsetOutOfRangeException if {@code startOffset} is below the log start offset or
     *     above the log end offset
     */
    public ByteBuffer readCopy(long startOffset, int maxBytes, long maxOffsetExclusive) {
        return locked(structureLock.readLock(), "read", () -> {
            LogSlice slice = read(startOffset, maxBytes, maxOffsetExclusive);
            return slice.isEmpty() ? ByteBuffer.allocate(0) : slice.toByteBuffer();
        });
    }

    /**
     * The first record at or above the log start offset whose timestamp is ≥ {@code timestamp}
     * (Kafka's ListOffsets by time), or null when every record is older.
     */
    public TimestampOffset offsetForTimestamp(long timestamp) {
        return locked(structureLock.readLock(), "timestamp lookup",
                () -> segments.offsetForTimestamp(timestamp, logStart.offset()));
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset} (a batch straddling it goes
     * entirely), deletes segments past it, truncates the leader-epoch cache and lowers the
     * flushed offset. Below the log start offset the log restarts empty at {@code offset}.
     *
     * @return the new log end offset (≤ {@code offset})
     */
    public long truncateTo(long offset) {
        return withCleaningPaused(() -> lockedForRemoval("truncation to offset " + offset,
                () -> truncation.truncateTo(offset, config)));
    }

    /**
     * Empties the log and restarts it at {@code newOffset} (Kafka's {@code truncateFullyAndStartAt}):
     * every segment is deleted and a fresh empty one starts there; the log start offset, log end
     * offset, flushed offset and recovery point all become {@code newOffset}, and the leader-epoch
     * history is cleared (the next batches appended bring their epochs). A follower does this when
     * the leader's log start offset is above its own log end offset, because retention deleted the
     * segments it would fetch next.
     *
     * <p>Crash safety: the new start is checkpointed before any segment is deleted, and segments
     * go newest first, so a crash midway reopens as an empty log at {@code newOffset} when it was
     * at or past the old log end (the follower case). When it was below, a crash midway may
     * reopen with a prefix of the old batches from {@code newOffset} on.
     *
     * @throws IllegalArgumentException if {@code newOffset} is negative
     */
    public void truncateFullyAndStartAt(long newOffset) {
        if (newOffset < 0) {
            throw new IllegalArgumentException("a log cannot start at a negative offset, got " + newOffset);
        }
        withCleaningPaused(() -> lockedForRemoval("restarting empty at offset " + newOffset, () -> {
            truncation.restartEmptyAt(newOffset, config);
            // Nothing of any producer is left; one that goes on is accepted since the log no longer starts at 0.
            producers.clear();
            return null;
        }));
    }

    /**
     * Moves the log start offset up to {@code offset} (queues, admin DeleteRecords) and deletes
     * segments wholly below it. Reads below it then fail with {@link OffsetOutOfRangeException}.
     *
     * @return the log start offset afterwards
     * @throws OffsetOutOfRangeException if {@code offset} is beyond the log end offset
     */
    public long deleteRecordsBefore(long offset) {
        return withCleaningPaused(() -> locked(appendLock, "deleting records below offset " + offset,
                () -> logStart.deleteRecordsBefore(offset)));
    }

    /**
     * Applies {@code policy} (see {@link SegmentRetention}): deletes the oldest closed segments
     * past {@code retention.ms} or {@code retention.bytes} that end at or below
     * {@code upperBoundOffset}, never the active one, and advances the log start offset to the
     * first segment kept. The new start is checkpointed before any file is deleted. Reads running
     * concurrently either see the segment whole or fail with {@link OffsetOutOfRangeException};
     * a {@link LogSlice} taken earlier may fail once its segment is gone (use
     * {@link #readCopy(long, int, long)} where retention runs). Call it periodically from a
     * thread the caller owns. A log whose {@code cleanup.policy} is {@code compact} alone keeps
     * every segment.
     *
     * @param upperBoundOffset no segment holding an offset at or above it is deleted (the high
     *     watermark, so records not yet replicated stay)
     * @return the number of segments deleted
     */
    public int enforceRetention(RetentionPolicy policy, long upperBoundOffset) {
        if (!config.cleanupPolicy().deletes()) {
            return 0;  // cleanup.policy=compact: old segments are compacted, never deleted by age or size
        }
        return withCleaningPaused(() -> locked(appendLock, "retention", () -> logStart.enforce(policy, upperBoundOffset)));
    }

    /**
     * What the cleaner could do to this log now (see {@link CleanableSection}); for a log whose
     * policy does not compact, an empty section.
     *
     * @param highWatermark nothing at or above it is cleaned (records not yet committed may be truncated)
     */
    public CleanableSection cleanableSection(long highWatermark) {
        LogConfig current = config;
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
        cleanerLock.lock();
        try {
            ensureOpen();
            LogConfig current = config;
            long start = logStart.offset();
            if (!current.cleanupPolicy().compacts()) {
                return CleanResult.nothing(start);
            }
            long nowMs = clock.millis();
            CleanableSection section = cleaner.section(current, start, cleanableUpperBound(highWatermark), nowMs);
            Set<Long> producerLastBatches = locked(appendLock, "cleaning",
                    () -> producers.table().lastBatchBaseOffsets());
            try {
                return offline.call("cleaning", () -> cleaner.clean(section, current, options, nowMs,
                        producerLastBatches, () -> closed || cleaningPauses.get() > 0, this::swapIn));
            } catch (LogCleaner.CleaningAbortedException e) {
                if (Thread.interrupted()) {
                    throw new InterruptedException("cleaning of " + dir + " interrupted while throttled");
                }
                return CleanResult.nothing(section.firstDirtyOffset());
            }
        } finally {
            cleanerLock.unlock();
        }
    }

    private void swapIn(List<LogSegment> old, LogSegment cleaned) {
        locked(structureLock.writeLock(), "swapping in a cleaned segment", () -> {
            segments.replace(old, cleaned);
            return null;
        });
    }

    /**
     * Runs {@code call} holding the cleaner lock: a running cleaning is asked to stop and awaited
     * first, so segments are not removed under it.
     */
    private <T> T withCleaningPaused(Supplier<T> call) {
        cleaningPauses.incrementAndGet();
        try {
            cleanerLock.lock();
            try {
                return call.get();
            } finally {
                cleanerLock.unlock();
            }
        } finally {
            cleaningPauses.decrementAndGet();
        }
    }

    /**
     * Forgets the idempotent producers whose last batch's max timestamp is {@code expirationMs}
     * (Kafka's {@code producer.id.expiration.ms}) or more before now, by this log's clock (see
     * {@link ProducerStateTable#removeExpired}). Call it periodically from a thread the caller owns.
     *
     * @return the number of producers forgotten
     */
    public int removeExpiredProducers(long expirationMs) {
        return locked(appendLock, "expiring producer ids", () -> producers.removeExpired(clock.millis(), expirationMs));
    }

    /**
     * The idempotent-producer state, for inspection (tests, tools). Not thread-safe: read it only
     * while no append runs.
     */
    ProducerStateTable producerState() {
        return producers.table();
    }

    /** fsyncs everything appended so far (LAZY mode's explicit flush); returns the flushed offset. */
    public long flush() {
        ensureOpen();
        offline.ensureOnline();
        groupCommit.awaitFlushed(segments.logEndOffset());
        return groupCommit.flushedOffset();
    }

    /** First offset a read may ask for. */
    public long logStartOffset() {
        return logStart.offset();
    }

    /** Offset the next appended record gets. */
    public long logEndOffset() {
        return segments.logEndOffset();
    }

    /**
     * Every offset below this is fsynced. In SYNC mode it follows the log end offset as appends
     * return; in LAZY mode it moves only on roll (with a flush executor: once the rolled
     * segment's background fsync completes), {@link #flush()} and close.
     */
    public long flushedOffset() {
        return groupCommit.flushedOffset();
    }

    /**
     * The recovery point, as written to {@code log-offsets.checkpoint}: every segment wholly below
     * it is fsynced with its indexes, so recovery after a crash scans only from the segment
     * holding it.
     */
    public long recoveryPoint() {
        return recovery.recoveryPoint();
    }

    /** Rolled segments whose background fsync has not completed yet (always 0 without a flush executor). */
    public int pendingRollFlushes() {
        return recovery.pendingFlushes();
    }

    /** fsyncs issued by group commit so far (each may cover many appends). */
    public long groupCommitFsyncCount() {
        return groupCommit.fsyncCount();
    }

    /** The leader-epoch history of this partition. */
    public LeaderEpochCache leaderEpochCache() {
        return epochCache;
    }

    /** Where {@code epoch} ends in this log (for a follower choosing its truncation point). */
    public EpochEndOffset endOffsetForEpoch(int epoch) {
        return epochCache.endOffsetFor(epoch, segments.logEndOffset());
    }

    /** Total bytes in all segments. */
    public long sizeInBytes() {
        return segments.sizeInBytes();
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return segments.baseOffsets();
    }

    public Path directory() {
        return dir;
    }

    public LogConfig config() {
        return config;
    }

    /**
     * Adopts changed topic configs (AlterConfigs) without reopening: segment.bytes and segment.ms
     * decide the next roll, the active segment's included; max.message.bytes the next append;
     * retention the next enforcement. Index sizes apply to segments created from now on. The flush
     * mode is the broker's and cannot change here.
     *
     * @throws IllegalArgumentException when {@code newConfig} has another flush mode
     */
    public void updateConfig(LogConfig newConfig) {
        if (newConfig.flushMode() != config.flushMode()) {
            throw new IllegalArgumentException("the flush mode of " + dir + " is " + config.flushMode()
                    + " and cannot change to " + newConfig.flushMode() + " while open");
        }
        config = newConfig;
    }

    /** True once a storage fault took this log offline ({@link LogOfflineException}), until it is reopened. */
    public boolean isOffline() {
        return offline.isOffline();
    }

    /**
     * Registers {@code listener} to learn, exactly once, that this log went offline after a
     * storage fault: at once on this thread if it is offline already, otherwise on the thread that
     * hit the fault (an appender, a reader, the flush executor's), possibly holding this log's
     * locks. So it must not call this log, not even {@link #close()}, but hand the directory to a
     * thread of its own that takes it offline (Kafka's LogDirFailureChannel). What it throws is
     * logged and suppressed in the {@link LogOfflineException} of the faulting call.
     */
    public void onOffline(Consumer<? super LogOfflineException> listener) {
        offline.addListener(listener);
    }

    /**
     * Drops the epoch a refused append assigned (it starts at the unchanged log end, with no batch
     * in it), so that the log is as before the append. If the checkpoint cannot be rewritten (the
     * disk is still full) the file keeps that entry, which the next open drops as past the log end.
     */
    private LogDirectoryFullException withoutEpochsPast(long logEnd, LogDirectoryFullException full) {
        try {
            epochCache.truncateFromEnd(logEnd);
        } catch (LogStorageException persist) {
            full.addSuppressed(persist);
        }
        return full;
    }

    /**
     * Registers {@code listener} to learn of every append refused because the file system is full
     * ({@link LogDirectoryFullException}; the log stays online). It runs on the appending thread,
     * after the append lock was released, before the exception reaches the caller.
     */
    public void onDirectoryFull(Consumer<? super LogDirectoryFullException> listener) {
        directoryFullListeners.add(listener);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("log " + dir + " is closed");
        }
    }

    /** Runs {@code call} under {@code lock} if the log is open and online; an I/O failure takes it offline. */
    private <T> T locked(Lock lock, String operation, OfflineSwitch.StorageCall<T> call) {
        lock.lock();
        try {
            ensureOpen();
            return offline.call(operation, call);
        } finally {
            lock.unlock();
        }
    }

    /** {@link #locked} under the append lock and the structure write lock, for calls that remove bytes. */
    private <T> T lockedForRemoval(String operation, OfflineSwitch.StorageCall<T> call) {
        return locked(appendLock, operation, () -> locked(structureLock.writeLock(), operation, call));
    }

    /**
     * Flushes everything (including rolled segments whose background fsync has not run, and
     * waiting for one in progress), seals the indexes, checkpoints and marks the directory cleanly
     * shut down so the next open skips recovery. Idempotent. Does not shut the flush executor down.
     *
     * <p>An offline log only releases its files, without flushing, marking or throwing.
     *
     * @throws LogOfflineException if the clean shutdown hits a storage fault (files are released all the same)
     */
    @Override
    public void close() {
        withCleaningPaused(() -> {
            closeSegments();
            return null;
        });
    }

    private void closeSegments() {
        appendLock.lock();
        structureLock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                segments.close(offline);
            }
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Log(" + dir + ", offsets " + logStartOffset() + ".." + logEndOffset() + ", " + segments.count()
                + " segments)";
    }
}
