package io.wharf.replication.log;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * <p>Files in the partition directory: {@code <base>.log/.index/.timeindex} per segment,
 * {@code log-offsets.checkpoint} (log start offset, recovery point),
 * {@code leader-epoch-checkpoint}, and {@code .clean-shutdown} while closed cleanly.
 */
public final class Log implements AutoCloseable {
    private final Path dir;
    private final LogConfig config;
    private final Clock clock;
    private final ReentrantLock appendLock = new ReentrantLock();
    private final ReentrantReadWriteLock structureLock = new ReentrantReadWriteLock();
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final LeaderEpochCache epochCache;
    private final LogOffsetsCheckpoint checkpoint;
    private final GroupCommit groupCommit;
    private volatile LogSegment active;
    private volatile long logStartOffset;
    private volatile long logEndOffset;
    private volatile boolean closed;
    private long recoveryPoint;

    private Log(Path dir, LogConfig config, Clock clock, LogLoader.Loaded loaded) {
        this.dir = dir;
        this.config = config;
        this.clock = clock;
        this.segments = loaded.segments();
        this.epochCache = loaded.epochCache();
        this.checkpoint = loaded.checkpoint();
        this.active = segments.lastEntry().getValue();
        this.logStartOffset = loaded.logStartOffset();
        this.logEndOffset = active.nextOffset();
        this.recoveryPoint = logEndOffset;
        this.groupCommit = new GroupCommit(() -> logEndOffset, this::flushActiveData, logEndOffset);
    }

    /**
     * Opens (or creates) the log in {@code dir}, recovering after an unclean stop: batches after
     * the recovery point are re-verified, a torn or corrupt tail is cut and indexes rebuilt.
     *
     * @param clock time source for segment.ms and retention.ms
     */
    public static Log open(Path dir, LogConfig config, Clock clock) {
        try {
            return new Log(dir, config, clock, LogLoader.load(dir, config, clock.millis()));
        } catch (IOException e) {
            throw new LogStorageException("cannot open the log in " + dir, e);
        }
    }

    /**
     * Appends batches from a producer as the leader: validates every batch first (framing, magic,
     * CRC, size, offset deltas 0..count-1), then stamps base offsets from the log end offset and
     * {@code leaderEpoch} in place in {@code batches} and writes them. In SYNC mode returns after
     * the fsync. On any validation error nothing is appended.
     *
     * @param batches one or more concatenated v2 batches (its remaining bytes)
     * @throws CorruptRecordException if a batch breaks the format
     * @throws RecordTooLargeException if a batch exceeds max.message.bytes
     * @throws InvalidAppendException if offset deltas are not 0..count-1 or the epoch is older
     *     than the log's latest
     */
    public LogAppendInfo appendAsLeader(ByteBuffer batches, int leaderEpoch) {
        List<RecordBatch> parsed = validate(batches, true);
        LogAppendInfo info;
        appendLock.lock();
        try {
            ensureOpen();
            OptionalInt latest = epochCache.latestEpoch();
            if (latest.isPresent() && leaderEpoch < latest.getAsInt()) {
                throw new InvalidAppendException(ErrorCode.FENCED_LEADER_EPOCH, "leader epoch " + leaderEpoch
                        + " is older than epoch " + latest.getAsInt() + " already in this log");
            }
            long offset = logEndOffset;
            for (RecordBatch batch : parsed) {
                batch.setBaseOffset(offset);
                batch.setPartitionLeaderEpoch(leaderEpoch);
                offset = batch.nextOffset();
            }
            epochCache.assign(leaderEpoch, logEndOffset);
            info = write(batches, parsed);
        } finally {
            appendLock.unlock();
        }
        return maybeAwaitFlush(info);
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
            info = write(batches, parsed);
        } finally {
            appendLock.unlock();
        }
        return maybeAwaitFlush(info);
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
    private LogAppendInfo write(ByteBuffer buffer, List<RecordBatch> batches) {
        long now = clock.millis();
        int runStartIndex = 0;
        int runStartPosition = buffer.position();
        int runBytes = 0;
        try {
            for (int i = 0; i < batches.size(); i++) {
                RecordBatch batch = batches.get(i);
                if (active.shouldRoll(runBytes, i - runStartIndex, batch.sizeInBytes(), batch.lastOffset(), now)) {
                    writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, i), now);
                    roll(batch.baseOffset());
                    runStartIndex = i;
                    runStartPosition += runBytes;
                    runBytes = 0;
                }
                runBytes += batch.sizeInBytes();
            }
            writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, batches.size()), now);
        } catch (IOException e) {
            throw new LogStorageException("append to " + active + " failed", e);
        }
        RecordBatch first = batches.get(0);
        RecordBatch last = batches.get(batches.size() - 1);
        return new LogAppendInfo(first.baseOffset(), last.lastOffset(), batches.size(),
                runStartPosition + runBytes - buffer.position(), false);
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
        return new LogAppendInfo(info.firstOffset(), info.lastOffset(), info.batchCount(), info.sizeInBytes(), true);
    }

    /** Seals the active segment (fsynced), starts a new one at {@code newBase}, advances the recovery point. */
    private void roll(long newBase) throws IOException {
        LogSegment old = active;
        old.becomeInactive();
        groupCommit.markFlushed(old.nextOffset());
        LogSegment next = LogSegment.create(dir, newBase, config);
        segments.put(newBase, next);
        active = next;
        recoveryPoint = newBase;
        checkpoint.write(logStartOffset, recoveryPoint);
    }

    private void flushActiveData() throws IOException {
        structureLock.readLock().lock();
        try {
            ensureOpen();
            active.flushData();
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
        } catch (IOException e) {
            throw new LogStorageException("read at offset " + startOffset + " in " + dir + " failed", e);
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
        } catch (IOException e) {
            throw new LogStorageException("timestamp lookup in " + dir + " failed", e);
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
            ensureOpen();
            if (offset >= logEndOffset) {
                return logEndOffset;
            }
            if (offset < logStartOffset) {
                restartEmptyAt(offset);
            } else {
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
            }
            epochCache.truncateFromEnd(logEndOffset);
            groupCommit.onTruncate(logEndOffset);
            recoveryPoint = Math.min(recoveryPoint, logEndOffset);
            checkpoint.write(logStartOffset, recoveryPoint);
            return logEndOffset;
        } catch (IOException e) {
            throw new LogStorageException("truncation of " + dir + " to " + offset + " failed", e);
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    private void restartEmptyAt(long offset) throws IOException {
        for (LogSegment segment : List.copyOf(segments.values())) {
            segments.remove(segment.baseOffset());
            segment.delete();
        }
        LogSegment fresh = LogSegment.create(dir, offset, config);
        segments.put(offset, fresh);
        active = fresh;
        logStartOffset = offset;
        logEndOffset = offset;
        epochCache.truncateFromStart(offset);
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
            ensureOpen();
            if (offset > logEndOffset) {
                throw new OffsetOutOfRangeException(offset, logStartOffset, logEndOffset);
            }
            if (offset > logStartOffset) {
                advanceLogStart(offset, countSegmentsBelow(offset));
            }
            return logStartOffset;
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
     * Applies retention.ms (by each segment's newest timestamp) and retention.bytes: deletes the
     * oldest segments that break either limit, never the active one, and advances the log start
     * offset. Call it periodically from a thread the caller owns.
     *
     * @return the number of segments deleted
     */
    public int enforceRetention() {
        appendLock.lock();
        try {
            ensureOpen();
            List<LogSegment> inactive = new ArrayList<>(segments.headMap(active.baseOffset()).values());
            long now = clock.millis();
            int deletable = 0;
            if (config.retentionMs() >= 0) {
                while (deletable < inactive.size() && inactive.get(deletable).maxTimestamp() >= 0
                        && now - inactive.get(deletable).maxTimestamp() > config.retentionMs()) {
                    deletable++;
                }
            }
            if (config.retentionBytes() >= 0) {
                long remaining = sizeInBytes();
                for (int i = 0; i < deletable; i++) {
                    remaining -= inactive.get(i).size();
                }
                while (deletable < inactive.size() && remaining - inactive.get(deletable).size() >= config.retentionBytes()) {
                    remaining -= inactive.get(deletable).size();
                    deletable++;
                }
            }
            if (deletable == 0) {
                return 0;
            }
            long newStart = deletable < inactive.size() ? inactive.get(deletable).baseOffset() : active.baseOffset();
            advanceLogStart(Math.max(logStartOffset, newStart), deletable);
            return deletable;
        } finally {
            appendLock.unlock();
        }
    }

    /** Persists the new start first, so a crash mid-deletion leaves segments that the next open removes. */
    private void advanceLogStart(long newStart, int oldestSegmentsToDelete) {
        logStartOffset = newStart;
        checkpoint.write(newStart, recoveryPoint);
        structureLock.writeLock().lock();
        try {
            for (int i = 0; i < oldestSegmentsToDelete; i++) {
                segments.pollFirstEntry().getValue().delete();
            }
        } catch (IOException e) {
            throw new LogStorageException("deleting segments below offset " + newStart + " in " + dir + " failed", e);
        } finally {
            structureLock.writeLock().unlock();
        }
        epochCache.truncateFromStart(newStart);
    }

    /** fsyncs everything appended so far (LAZY mode's explicit flush); returns the flushed offset. */
    public long flush() {
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
     * return; in LAZY mode it moves only on roll, {@link #flush()} and close.
     */
    public long flushedOffset() {
        return groupCommit.flushedOffset();
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

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("log " + dir + " is closed");
        }
    }

    /**
     * Flushes everything, seals the indexes, checkpoints and marks the directory cleanly shut
     * down so the next open skips recovery. Idempotent.
     */
    @Override
    public void close() {
        appendLock.lock();
        structureLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            active.becomeInactive();
            groupCommit.markFlushed(logEndOffset);
            checkpoint.write(logStartOffset, logEndOffset);
            Files.createFile(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
            CheckpointFile.fsyncDirectory(dir);
            closed = true;
            for (LogSegment segment : segments.values()) {
                segment.close();
            }
        } catch (IOException e) {
            throw new LogStorageException("closing the log in " + dir + " failed", e);
        } finally {
            structureLock.writeLock().unlock();
            appendLock.unlock();
        }
    }

    @Override
    public String toString() {
        return "Log(" + dir + ", offsets " + logStartOffset + ".." + logEndOffset + ", " + segments.size() + " segments)";
    }
}
