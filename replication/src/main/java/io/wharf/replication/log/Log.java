package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import io.wharf.replication.producer.AppendCheck;
import io.wharf.replication.producer.BatchIdentity;
import io.wharf.replication.producer.ProducerStateTable;
import io.wharf.replication.producer.SequencedBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The storage of one partition: a directory of {@link LogSegment}s holding Kafka v2 batches,
 * with offsets, leader epochs, durability, truncation and retention. It owns no threads.
 *
 * <p>Threading: thread-safe. Appends, rolls, truncation, retention and close are serialized by
 * an append lock; reads run concurrently with appends and see whole batches only. Structural
 * changes that remove bytes (truncation, segment deletion) also take the write side of a
 * read/write lock that reads hold while locating batches. In {@link FlushMode#SYNC} an append
 * returns only after its batches are fsynced; the fsync is group-committed by the appending
 * threads themselves ({@link GroupCommit}), so concurrent appenders share one fsync.
 *
 * <p>Rolling a segment fsyncs the sealed segment. In {@link FlushMode#LAZY} with a flush executor
 * ({@link #open(Path, LogConfig, Clock, Executor)}) that fsync runs on the executor instead of the
 * appending thread; the recovery point (checkpoint) and {@link #flushedOffset()} advance only once
 * it has completed ({@link RecoveryPointTracker}).
 *
 * <p>Files in the partition directory: {@code <base>.log/.index/.timeindex} per segment,
 * {@code log-offsets.checkpoint} (log start offset, recovery point),
 * {@code leader-epoch-checkpoint}, and {@code .clean-shutdown} while closed cleanly.
 *
 * <p>Idempotent producers: the log keeps a {@link ProducerStateTable} (guarded by the append
 * lock). A leader append checks each producer's sequences against it, answers batches written
 * before with their original offsets and refuses out-of-order ones; every append (leader or
 * follower) records its batches in it. It is rebuilt from the batch headers of the whole log
 * when the log opens and after a truncation (headers only, no records are read).
 *
 * <p>Storage faults: the first I/O error in the log's files (writing, fsyncing, rolling,
 * truncating, deleting, reading, or writing a checkpoint) takes the log offline for good: the
 * call that hit it and every later append, read, flush, truncation and retention call throw
 * {@link LogOfflineException}, {@link #isOffline()} turns true, and the listeners registered with
 * {@link #onOffline} are told once. A failed fsync is never retried and {@link #flushedOffset()}
 * never passes what an fsync covered. Only reopening the directory, which recovers the tail,
 * brings the partition back.
 */
public final class Log implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Log.class);
    private final Path dir;
    private volatile LogConfig config;   // replaced by updateConfig; each use reads one immutable value
    private final Clock clock;
    private final LogFileChannels channels;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final LeaderEpochCache epochCache;
    private final GroupCommit groupCommit;
    private final RecoveryPointTracker recovery;
    /** Runs the fsync of a sealed segment in LAZY mode; null rolls fsync inline. Not owned. */
    private final Executor rollFlushExecutor;
    /** Guarded by the append lock. */
    private final ProducerStateTable producers = new ProducerStateTable();
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile boolean closed;
    private final OfflineSwitch offline;

    private Log(Path dir, LogConfig config, Clock clock, LogFileChannels channels, LogLoader.Loaded loaded,
                Executor flushExecutor, RecoveryPointTracker.SegmentFsync segmentFsync) throws IOException {
        this.dir = dir;
        this.offline = new OfflineSwitch(dir);
        this.config = config;
        this.clock = clock;
        this.channels = channels;
        this.segments = loaded.segments();
        this.epochCache = loaded.epochCache();
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = active.nextOffset();
        this.groupCommit = new GroupCommit(() -> logEndOffset, this::flushActiveData, logEndOffset);
        this.recovery = new RecoveryPointTracker(loaded.checkpoint(), groupCommit, () -> logStartOffset, logEndOffset,
                segmentFsync, offline);
        this.rollFlushExecutor = config.flushMode() == FlushMode.LAZY ? flushExecutor : null;
        rebuildProducerState();
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
     * Opens the log like {@link #open(Path, LogConfig, Clock)}, and in {@link FlushMode#LAZY}
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
     *
     * @param flushExecutor runs background fsyncs of rolled segments; null fsyncs them inline
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
        List<RecordBatch> parsed = validate(batches, true);
        List<BatchIdentity> identities = new ArrayList<>(parsed.size());
        for (RecordBatch batch : parsed) {
            BatchIdentity identity = BatchIdentity.of(batch);
            if (identity.isIdempotent() && identity.producerId() >= producerIdLimit) {
                throw new InvalidAppendException(ErrorCode.UNKNOWN_PRODUCER_ID, "producer id " + identity.producerId()
                        + " was not allocated by this cluster (ids below " + producerIdLimit + " are known here);"
                        + " get one with InitProducerId");
            }
            identities.add(identity);
        }
        LogAppendInfo info;
        appendLock.lock();
        try {
            info = offline.call("append", () -> appendLocked(batches, parsed, identities, leaderEpoch));
        } finally {
            appendLock.unlock();
        }
        return maybeAwaitFlush(info);
    }

    /** The leader append once validated; the caller holds the append lock. */
    private LogAppendInfo appendLocked(ByteBuffer batches, List<RecordBatch> parsed, List<BatchIdentity> identities,
                                       int leaderEpoch) throws IOException {
        ensureOpen();
        OptionalInt latest = epochCache.latestEpoch();
        if (latest.isPresent() && leaderEpoch < latest.getAsInt()) {
            throw new InvalidAppendException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + leaderEpoch
                    + " is older than epoch " + latest.getAsInt() + " already in this log");
        }
        AppendCheck check = producers.check(identities, logStartOffset > 0);
        if (check instanceof AppendCheck.Rejected rejected) {
            throw new InvalidAppendException(rejected.code(), rejected.message());
        }
        List<SequencedBatch> duplicates = ((AppendCheck.Accepted) check).duplicates();
        return duplicates.size() == parsed.size()
                ? duplicatesOnly(duplicates)
                : writeAfterDuplicates(batches, parsed, identities, duplicates, leaderEpoch);
    }

    private static LogAppendInfo duplicatesOnly(List<SequencedBatch> duplicates) {
        List<Long> bases = duplicates.stream().map(SequencedBatch::baseOffset).toList();
        long last = duplicates.stream().mapToLong(SequencedBatch::lastOffset).max().orElseThrow();
        return new LogAppendInfo(bases.get(0), last, duplicates.size(), 0, false, bases, duplicates.size());
    }

    /** Stamps and writes the batches after the leading duplicates. Caller holds the append lock. */
    private LogAppendInfo writeAfterDuplicates(ByteBuffer batches, List<RecordBatch> parsed,
                                               List<BatchIdentity> identities, List<SequencedBatch> duplicates,
                                               int leaderEpoch) throws IOException {
        int skip = duplicates.size();
        ByteBuffer fresh = batches.duplicate();
        for (int i = 0; i < skip; i++) {
            fresh.position(fresh.position() + parsed.get(i).sizeInBytes());
        }
        List<RecordBatch> written = parsed.subList(skip, parsed.size());
        long offset = logEndOffset;
        for (RecordBatch batch : written) {
            batch.setBaseOffset(offset);
            batch.setPartitionLeaderEpoch(leaderEpoch);
            offset = batch.nextOffset();
        }
        epochCache.assign(leaderEpoch, logEndOffset);
        LogAppendInfo appended = write(fresh, written);
        List<Long> bases = new ArrayList<>(parsed.size());
        duplicates.forEach(d -> bases.add(d.baseOffset()));
        for (int i = skip; i < parsed.size(); i++) {
            RecordBatch batch = parsed.get(i);
            producers.onAppended(identities.get(i), batch.baseOffset(), batch.lastOffset());
            bases.add(batch.baseOffset());
        }
        return new LogAppendInfo(bases.get(0), appended.lastOffset(), parsed.size(), appended.sizeInBytes(), false,
                bases, skip);
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
        List<RecordBatch> parsed = validate(batches, false);
        LogAppendInfo info;
        appendLock.lock();
        try {
            info = offline.call("append", () -> appendAsFollowerLocked(batches, parsed));
        } finally {
            appendLock.unlock();
        }
        return maybeAwaitFlush(info);
    }

    /** The follower append once validated; the caller holds the append lock. */
    private LogAppendInfo appendAsFollowerLocked(ByteBuffer batches, List<RecordBatch> parsed) throws IOException {
        ensureOpen();
        long expected = logEndOffset;
        for (RecordBatch batch : parsed) {
            if (batch.baseOffset() != expected) {
                throw new InvalidAppendException(ErrorCode.INVALID_REQUEST, "follower batch starts at offset "
                        + batch.baseOffset() + " but the log continues at " + expected
                        + "; truncate or fetch from " + logEndOffset);
            }
            expected = batch.nextOffset();
        }
        for (RecordBatch batch : parsed) {
            if (batch.partitionLeaderEpoch() >= 0) {
                epochCache.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
            }
        }
        LogAppendInfo info = write(batches, parsed);
        for (RecordBatch batch : parsed) {
            producers.onAppended(BatchIdentity.of(batch), batch.baseOffset(), batch.lastOffset());
        }
        return info;
    }

    private List<RecordBatch> validate(ByteBuffer batches, boolean asLeader) {
        List<RecordBatch> parsed = RecordBatches.validateAll(batches);
        if (parsed.isEmpty()) {
            throw new InvalidAppendException(ErrorCode.INVALID_REQUEST, "an append needs at least one batch; got 0 bytes");
        }
        for (RecordBatch batch : parsed) {
            if (batch.sizeInBytes() > config.maxMessageBytes()) {
                throw new RecordTooLargeException(batch.sizeInBytes(), config.maxMessageBytes());
            }
            if (asLeader && (batch.recordCount() == 0 || batch.lastOffsetDelta() != batch.recordCount() - 1)) {
                throw new InvalidAppendException(ErrorCode.CORRUPT_RECORD, "a producer batch must hold records with offset deltas 0.."
                        + "count-1, but it has " + batch.recordCount() + " records and last offset delta " + batch.lastOffsetDelta());
            }
            if (!asLeader && batch.lastOffsetDelta() < 0) {
                throw new InvalidAppendException(ErrorCode.CORRUPT_RECORD, "batch at offset " + batch.baseOffset()
                        + " has a negative last offset delta " + batch.lastOffsetDelta());
            }
        }
        return parsed;
    }

    /** Writes validated, stamped batches, rolling where needed. Caller holds the append lock. */
    private LogAppendInfo write(ByteBuffer buffer, List<RecordBatch> batches) throws IOException {
        long now = clock.millis();
        int runStartIndex = 0;
        int runStartPosition = buffer.position();
        int runBytes = 0;
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch batch = batches.get(i);
            long batchTime = batch.maxTimestamp() >= 0 ? batch.maxTimestamp() : now;
            if (active.shouldRoll(config, runBytes, i - runStartIndex, batch.sizeInBytes(), batch.lastOffset(),
                    batchTime)) {
                writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, i), now);
                roll(batch.baseOffset());
                runStartIndex = i;
                runStartPosition += runBytes;
                runBytes = 0;
            }
            runBytes += batch.sizeInBytes();
        }
        writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, batches.size()), now);
        RecordBatch first = batches.get(0);
        RecordBatch last = batches.get(batches.size() - 1);
        return new LogAppendInfo(first.baseOffset(), last.lastOffset(), batches.size(),
                runStartPosition + runBytes - buffer.position(), false,
                batches.stream().map(RecordBatch::baseOffset).toList(), 0);
    }

    private void writeRun(ByteBuffer buffer, int position, int bytes, List<RecordBatch> run, long now) throws IOException {
        if (run.isEmpty()) {
            return;
        }
        ByteBuffer slice = buffer.duplicate();
        slice.limit(position + bytes).position(position);
        active.append(slice, run, now);
        logEndOffset = active.nextOffset();
    }

    private LogAppendInfo maybeAwaitFlush(LogAppendInfo info) {
        if (config.flushMode() != FlushMode.SYNC) {
            return info;
        }
        groupCommit.awaitFlushed(info.nextOffset());
        return new LogAppendInfo(info.firstOffset(), info.lastOffset(), info.batchCount(), info.sizeInBytes(), true,
                info.batchBaseOffsets(), info.duplicateBatches());
    }

    /**
     * Seals the active segment and starts a new one at {@code newBase}. The sealed segment is
     * fsynced inline (advancing the recovery point now) or, with a flush executor, by a task
     * that advances it once the fsync is done.
     */
    private void roll(long newBase) throws IOException {
        LogSegment old = active;
        if (rollFlushExecutor == null) {
            old.becomeInactive();
        } else {
            old.seal();
        }
        LogSegment next = LogSegment.create(dir, newBase, config, channels);
        segments.put(newBase, next);
        active = next;
        if (rollFlushExecutor == null) {
            recovery.sealedAndFlushed(newBase);
            return;
        }
        RecoveryPointTracker.PendingFlush flush = recovery.sealedPendingFlush(old, newBase);
        try {
            rollFlushExecutor.execute(flush);
        } catch (RejectedExecutionException e) {
            LOG.warn("{}: the flush executor rejected the fsync of rolled segment {}; fsyncing it inline", dir, old, e);
            recovery.flushNow(flush);
        }
    }

    /** The group-commit fsync: rolled segments still waiting for a background fsync first, then the active one. */
    private void flushActiveData() {
        structureLock.readLock().lock();
        try {
            offline.run("fsync", () -> {
                ensureOpen();
                recovery.flushAllPending();
                active.flushData();
            });
        } finally {
            structureLock.readLock().unlock();
        }
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
        structureLock.readLock().lock();
        try {
            return offline.call("read", () -> readLocked(startOffset, maxBytes, maxOffsetExclusive));
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /** The body of {@link #read(long, int, long)}; the caller holds the structure read lock. */
    private LogSlice readLocked(long startOffset, int maxBytes, long maxOffsetExclusive) throws IOException {
        ensureOpen();
        long start = logStartOffset;
        long end = logEndOffset;
        if (startOffset < start || startOffset > end) {
            throw new OffsetOutOfRangeException(startOffset, start, end);
        }
        long bound = Math.min(maxOffsetExclusive, end);
        if (startOffset >= bound) {
            return LogSlice.empty(startOffset);
        }
        Map.Entry<Long, LogSegment> entry = segments.floorEntry(startOffset);
        while (entry != null) {
            LogSlice slice = entry.getValue().read(startOffset, maxBytes, bound);
            if (slice != null) {
                return slice;
            }
            entry = segments.higherEntry(entry.getKey());
        }
        return LogSlice.empty(startOffset);
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
        structureLock.readLock().lock();
        try {
            LogSlice slice = read(startOffset, maxBytes, maxOffsetExclusive);
            return slice.isEmpty() ? ByteBuffer.allocate(0) : offline.call("read", slice::toByteBuffer);
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /**
     * The first record at or above the log start offset whose timestamp is ≥ {@code timestamp}
     * (Kafka's ListOffsets by time), or null when every record is older.
     */
    public TimestampOffset offsetForTimestamp(long timestamp) {
        structureLock.readLock().lock();
        try {
            return offline.call("timestamp lookup", () -> {
                ensureOpen();
                long start = logStartOffset;
                for (LogSegment segment : segments.values()) {
                    if (segment.nextOffset() <= start) {
                        continue;
                    }
                    TimestampOffset found = segment.findOffsetByTimestamp(timestamp, start);
                    if (found != null) {
                        return found;
                    }
                }
                return null;
            });
        } finally {
            structureLock.readLock().unlock();
        }
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset} (a batch straddling it goes
     * entirely), deletes segments past it, truncates the leader-epoch cache and lowers the
     * flushed offset. Below the log start offset the log restarts empty at {@code offset}.
     *
     * @return the new log end offset (≤ {@code offset})
     */
    public long truncateTo(long offset) {
        appendLock.lock();
        structureLock.writeLock().lock();
        try {
            return offline.call("truncation to offset " + offset, () -> truncateLocked(offset));
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    /** The body of {@link #truncateTo}; the caller holds the append lock and the structure write lock. */
    private long truncateLocked(long offset) throws IOException {
        ensureOpen();
        if (offset >= logEndOffset) {
            return logEndOffset;
        }
        if (offset < logStartOffset) {
            restartEmptyAt(offset);
            return logEndOffset;
        }
        recovery.forgetRange(segments.floorKey(offset), Long.MAX_VALUE);
        for (LogSegment segment : List.copyOf(segments.tailMap(offset, true).descendingMap().values())) {
            if (segments.size() == 1) {
                break;
            }
            segments.remove(segment.baseOffset());
            segment.delete();
        }
        LogSegment last = segments.lastEntry().getValue();
        last.truncateTo(offset);
        if (last != active) {
            last.becomeActive();
            active = last;
        }
        logEndOffset = last.nextOffset();
        epochCache.truncateFromEnd(logEndOffset);
        recovery.truncated(logEndOffset);
        rebuildProducerState();
        return logEndOffset;
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
        appendLock.lock();
        structureLock.writeLock().lock();
        try {
            offline.run("restarting empty at offset " + newOffset, () -> {
                ensureOpen();
                restartEmptyAt(newOffset);
                // Nothing of any producer is left; one that goes on is accepted since the log no longer starts at 0.
                producers.clear();
            });
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    /** The body of {@link #truncateFullyAndStartAt}; the caller holds the append lock and the structure write lock. */
    private void restartEmptyAt(long offset) throws IOException {
        recovery.forgetRange(Long.MIN_VALUE, Long.MAX_VALUE);
        logStartOffset = offset;
        logEndOffset = offset;
        recovery.restartedAt(offset);
        for (LogSegment segment : List.copyOf(segments.descendingMap().values())) {
            segments.remove(segment.baseOffset());
            segment.delete();
        }
        LogSegment fresh = LogSegment.create(dir, offset, config, channels);
        segments.put(offset, fresh);
        active = fresh;
        epochCache.clear();
        CheckpointFile.fsyncDirectory(dir);
    }

    /**
     * Moves the log start offset up to {@code offset} (queues, admin DeleteRecords) and deletes
     * segments wholly below it. Reads below it then fail with {@link OffsetOutOfRangeException}.
     *
     * @return the log start offset afterwards
     * @throws OffsetOutOfRangeException if {@code offset} is beyond the log end offset
     */
    public long deleteRecordsBefore(long offset) {
        appendLock.lock();
        try {
            return offline.call("deleting records below offset " + offset, () -> {
                ensureOpen();
                if (offset > logEndOffset) {
                    throw new OffsetOutOfRangeException(offset, logStartOffset, logEndOffset);
                }
                if (offset > logStartOffset) {
                    advanceLogStart(offset, countSegmentsBelow(offset));
                }
                return logStartOffset;
            });
        } finally {
            appendLock.unlock();
        }
    }

    /** Oldest segments whose every offset is below {@code offset}; the active segment never counts. */
    private int countSegmentsBelow(long offset) {
        int count = 0;
        for (Long base : segments.headMap(active.baseOffset()).keySet()) {
            Long successor = segments.higherKey(base);
            if (successor == null || successor > offset) {
                break;
            }
            count++;
        }
        return count;
    }

    /**
     * Applies {@code policy} (see {@link SegmentRetention}): deletes the oldest closed segments
     * past {@code retention.ms} or {@code retention.bytes} that end at or below
     * {@code upperBoundOffset}, never the active one, and advances the log start offset to the
     * first segment kept. The new start is checkpointed before any file is deleted. Reads running
     * concurrently either see the segment whole or fail with {@link OffsetOutOfRangeException};
     * a {@link LogSlice} taken earlier may fail once its segment is gone (use
     * {@link #readCopy(long, int, long)} where retention runs). Call it periodically from a
     * thread the caller owns.
     *
     * @param upperBoundOffset no segment holding an offset at or above it is deleted (the high
     *     watermark, so records not yet replicated stay)
     * @return the number of segments deleted
     */
    public int enforceRetention(RetentionPolicy policy, long upperBoundOffset) {
        appendLock.lock();
        try {
            return offline.call("retention", () -> {
                ensureOpen();
                List<SegmentRetention.ClosedSegment> closedSegments = new ArrayList<>();
                for (Map.Entry<Long, LogSegment> entry : segments.headMap(active.baseOffset()).entrySet()) {
                    LogSegment segment = entry.getValue();
                    closedSegments.add(new SegmentRetention.ClosedSegment(segment.baseOffset(),
                            segments.higherKey(entry.getKey()), segment.size(), segment.maxTimestamp()));
                }
                int deletable = SegmentRetention.deletableSegments(closedSegments, sizeInBytes(), clock.millis(), policy,
                        upperBoundOffset);
                if (deletable == 0) {
                    return 0;
                }
                long newStart = closedSegments.get(deletable - 1).nextOffset();
                advanceLogStart(Math.max(logStartOffset, newStart), deletable);
                return deletable;
            });
        } finally {
            appendLock.unlock();
        }
    }

    /**
     * Persists the new start first, so a crash mid-deletion leaves segments that the next open
     * removes. Background fsyncs of the doomed segments are cancelled or, if running, awaited.
     */
    private void advanceLogStart(long newStart, int oldestSegmentsToDelete) throws IOException {
        logStartOffset = newStart;
        long firstKept = segments.keySet().stream().skip(oldestSegmentsToDelete).findFirst().orElseThrow();
        recovery.forgetRange(Long.MIN_VALUE, firstKept);
        recovery.publish();
        structureLock.writeLock().lock();
        try {
            for (int i = 0; i < oldestSegmentsToDelete; i++) {
                segments.pollFirstEntry().getValue().delete();
            }
        } finally {
            structureLock.writeLock().unlock();
        }
        epochCache.truncateFromStart(newStart);
    }

    /**
     * Rebuilds the producer state from the header of every batch in the log, oldest first. Runs in
     * the constructor and under the append lock.
     */
    private void rebuildProducerState() throws IOException {
        producers.clear();
        for (LogSegment segment : segments.values()) {
            segment.forEachBatchHeader(header -> producers.onAppended(header.identity(), header.baseOffset(),
                    header.lastOffset()));
        }
    }

    /**
     * The idempotent-producer state, for inspection (tests, tools). Not thread-safe: read it only
     * while no append runs.
     */
    ProducerStateTable producerState() {
        return producers;
    }

    /** fsyncs everything appended so far (LAZY mode's explicit flush); returns the flushed offset. */
    public long flush() {
        offline.ensureOnline();
        ensureOpen();
        groupCommit.awaitFlushed(logEndOffset);
        return groupCommit.flushedOffset();
    }

    /** First offset a read may ask for. */
    public long logStartOffset() {
        return logStartOffset;
    }

    /** Offset the next appended record gets. */
    public long logEndOffset() {
        return logEndOffset;
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
        return epochCache.endOffsetFor(epoch, logEndOffset);
    }

    /** Total bytes in all segments. */
    public long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    /** Base offsets of the segments, oldest first. */
    public List<Long> segmentBaseOffsets() {
        return List.copyOf(segments.keySet());
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

    /**
     * True once a storage fault took this log offline (see {@link LogOfflineException}); it stays
     * offline until the directory is reopened.
     */
    public boolean isOffline() {
        return offline.isOffline();
    }

    /**
     * Registers {@code listener} to learn, exactly once, that this log went offline after a
     * storage fault; if it is offline already, {@code listener} runs at once on this thread.
     * Otherwise it runs on the thread that hit the fault (an appender, a reader, the flush
     * executor's thread), possibly while that thread holds this log's locks: it must not call this
     * log, not even {@link #close()}, and should only hand the directory to a thread of its own
     * that takes it offline (as Kafka's LogDirFailureChannel does). An exception it throws is
     * logged and added as suppressed to the {@link LogOfflineException} the faulting call throws.
     */
    public void onOffline(Consumer<? super LogOfflineException> listener) {
        offline.addListener(listener);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("log " + dir + " is closed");
        }
    }

    /**
     * Flushes everything (including rolled segments whose background fsync has not run, and
     * waiting for one in progress), seals the indexes, checkpoints and marks the directory cleanly
     * shut down so the next open skips recovery. Idempotent. Does not shut the flush executor down.
     *
     * <p>An offline log only releases its files, without throwing: nothing is flushed and no
     * clean-shutdown marker is written, so the next open recovers the tail.
     *
     * @throws LogOfflineException if the clean shutdown hits a storage fault; the log is then
     *     offline and closed, its files released all the same
     */
    @Override
    public void close() {
        appendLock.lock();
        structureLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            LogOfflineException failure = null;
            if (!offline.isOffline()) {
                try {
                    offline.run("clean shutdown", this::shutDownCleanly);
                } catch (LogOfflineException e) {
                    failure = e;
                }
            }
            closed = true;
            IOException releaseFailure = releaseFiles();
            if (releaseFailure != null) {
                if (offline.isOffline()) {
                    LOG.warn("releasing the segment files of offline log {} failed", dir, releaseFailure);
                } else {
                    failure = offline.fail("closing the segment files", releaseFailure);
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    private void shutDownCleanly() throws IOException {
        recovery.flushAllPending();
        active.becomeInactive();
        recovery.closed(logEndOffset);
        Files.createFile(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
        CheckpointFile.fsyncDirectory(dir);
    }

    /** Closes every segment's file; returns the first failure (later ones suppressed in it), or null. */
    private IOException releaseFiles() {
        IOException failure = null;
        for (LogSegment segment : segments.values()) {
            try {
                segment.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        return failure;
    }

    @Override
    public String toString() {
        return "Log(" + dir + ", offsets " + logStartOffset + ".." + logEndOffset + ", " + segments.size() + " segments)";
    }
}
