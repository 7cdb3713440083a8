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
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * The storage of one partition (Kafka's UnifiedLog): a directory of segments holding Kafka v2
 * batches ({@link SegmentSet}, Kafka's LocalLog), with offsets, leader epochs, idempotent
 * producers, durability, truncation and retention. It owns no threads.
 *
 * <p>Threading: thread-safe. Appends, rolls, truncation, retention and close are serialized by
 * an append lock; reads run concurrently with appends and see whole batches only. Structural
 * changes that remove bytes (truncation, segment deletion) also take the write side of a
 * read/write lock that reads hold while locating batches ({@link LogLocks}). In
 * {@link FlushMode#SYNC} an append returns only after its batches are fsynced; the fsync is
 * group-committed by the appending threads themselves ({@link GroupCommit}), so concurrent
 * appenders share one fsync. In {@link FlushMode#DEFERRED} an append returns once written and the
 * owner fsyncs with {@link #flush()}; only fsynced offsets count as durable.
 *
 * <p>Rolling a segment fsyncs the sealed segment; unless {@link FlushMode#SYNC}, a flush executor
 * given to {@link #open(Path, LogConfig, Clock, Executor)} runs that fsync, and the recovery point
 * and {@link #flushedOffset()} wait for it ({@link RecoveryPointTracker}).
 *
 * <p>Files in the partition directory: {@code <base>.log/.index/.timeindex} per segment,
 * {@code log-offsets.checkpoint} (log start offset, recovery point), {@code cleaner-offset-checkpoint},
 * {@code leader-epoch-checkpoint}, and {@code .clean-shutdown} while closed cleanly.
 *
 * <p>Idempotent producers: a leader append answers batches a producer wrote before with their
 * original offsets and refuses out-of-order ones; the state it checks is rebuilt from the batch
 * headers when the log opens and after a truncation ({@link LogProducerState}).
 *
 * <p>Compaction ({@code cleanup.policy} compact): see {@link #compaction()}.
 *
 * <p>Storage faults: the first I/O error in the log's files takes the log offline for good
 * ({@link #faults()}): that call and every later append, read, flush, truncation and retention
 * call throw {@link LogOfflineException}. A failed fsync is never retried, so
 * {@link #flushedOffset()} never passes what an fsync covered. Reopening the directory recovers it.
 */
public final class Log implements AutoCloseable {
    private final Path dir;
    private volatile LogConfig config;   // replaced by updateConfig; each use reads one immutable value
    private final Clock clock;
    private final OfflineSwitch offline;
    private final LogLocks locks;
    private final LeaderEpochCache epochCache;
    private final GroupCommit groupCommit;
    private final RecoveryPointTracker recovery;
    private final SegmentSet segments;
    private final LogStart logStart;
    /** Guarded by the append lock, as are the appender and the truncation that update it. */
    private final LogProducerState producers = new LogProducerState();
    private final LogAppender appender;
    private final LogTruncation truncation;
    private final LogCompaction compaction;
    private final LogFaults faults;

    private Log(Path dir, LogConfig config, Clock clock, LogFileChannels channels, LogLoader.Loaded loaded,
                Executor flushExecutor, RecoveryPointTracker.SegmentFsync segmentFsync) throws IOException {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.offline = new OfflineSwitch(dir);
        this.locks = new LogLocks(dir, offline);
        this.faults = new LogFaults(offline);
        this.epochCache = loaded.epochCache();
        long logEnd = loaded.segments().lastEntry().getValue().nextOffset();
        this.groupCommit = new GroupCommit(this::logEndOffset, this::flushAppended, logEnd);
        this.recovery = new RecoveryPointTracker(loaded.checkpoint(), groupCommit, this::logStartOffset, logEnd,
                segmentFsync, offline);
        this.segments = new SegmentSet(dir, channels, loaded.segments(), recovery,
                config.flushMode() != FlushMode.SYNC ? flushExecutor : null);
        this.logStart = new LogStart(loaded.logStartOffset(), segments, recovery, epochCache, clock,
                locks.deletionLock());
        this.appender = new LogAppender(dir, segments, epochCache, producers, logStart, clock);
        this.truncation = new LogTruncation(segments, logStart, epochCache, recovery, producers);
        this.compaction = new LogCompaction(dir, channels, this::config, clock, locks, offline, segments, logStart,
                recovery, producers);
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
     * log offline (see {@link LogFaults#onOffline}, whose listeners then run on the executor's
     * thread), the recovery point stays below that segment, and the next call on the log throws
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

    /** {@link #appendAsLeader(ByteBuffer, int, long)} with every producer id counted as allocated. */
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
     * Runs an append under the append lock. A full disk that refused it whole leaves the log online
     * ({@link LogAppender}) and its listeners hear of it; any other storage fault takes it offline.
     */
    private LogAppendInfo appendLocked(OfflineSwitch.StorageCall<LogAppendInfo> append) {
        try {
            return locks.appending("append", append);
        } catch (LogDirectoryFullException e) {
            faults.directoryFull(e);
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
        locks.reading("fsync", () -> {
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
        return locks.reading("read",
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
        return locks.reading("read", () -> {
            LogSlice slice = read(startOffset, maxBytes, maxOffsetExclusive);
            return slice.isEmpty() ? ByteBuffer.allocate(0) : slice.toByteBuffer();
        });
    }

    /**
     * The first record at or above the log start offset whose timestamp is ≥ {@code timestamp}
     * (Kafka's ListOffsets by time), or null when every record is older.
     */
    public TimestampOffset offsetForTimestamp(long timestamp) {
        return locks.reading("timestamp lookup",
                () -> segments.offsetForTimestamp(timestamp, logStart.offset()));
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset} (a batch straddling it goes
     * entirely), deletes segments past it, truncates the leader-epoch cache and lowers the
     * flushed offset. Below the log start offset the log restarts empty at {@code offset}, as
     * {@link #truncateFullyAndStartAt} does, producer state included.
     *
     * @return the new log end offset (≤ {@code offset})
     */
    public long truncateTo(long offset) {
        return locks.withCleaningPaused(() -> locks.removing("truncation to offset " + offset,
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
        locks.withCleaningPaused(() -> locks.removing("restarting empty at offset " + newOffset, () -> {
            truncation.restartFullyAt(newOffset, config);
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
        return locks.withCleaningPaused(() -> locks.appending("deleting records below offset " + offset,
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
        return locks.withCleaningPaused(() -> locks.appending("retention", () -> logStart.enforce(policy, upperBoundOffset)));
    }

    /** The compaction of this log ({@code cleanup.policy} compact): what is cleanable now, and the cleaning. */
    public LogCompaction compaction() {
        return compaction;
    }

    /**
     * Forgets the idempotent producers whose last batch's max timestamp is {@code expirationMs}
     * (Kafka's {@code producer.id.expiration.ms}) or more before now, by this log's clock (see
     * {@link ProducerStateTable#removeExpired}). Call it periodically from a thread the caller owns.
     *
     * @return the number of producers forgotten
     */
    public int removeExpiredProducers(long expirationMs) {
        return locks.appending("expiring producer ids", () -> producers.removeExpired(clock.millis(), expirationMs));
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
        locks.ensureOpen();
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

    /** The storage faults of this log: whether it went offline, and listeners for its faults. */
    public LogFaults faults() {
        return faults;
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
        locks.close(() -> segments.close(offline));
    }

    @Override
    public String toString() {
        return "Log(" + dir + ", offsets " + logStartOffset() + ".." + logEndOffset() + ", " + segments.count()
                + " segments)";
    }
}
