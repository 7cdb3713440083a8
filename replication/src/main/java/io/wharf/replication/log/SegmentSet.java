package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segments of one partition directory, oldest first, and what is done to them as a whole
 * (Kafka's LocalLog): appending with rolls, reading, truncating at either end and shutting down.
 * It knows offsets only as the segments hold them; the log start offset, leader epochs and
 * producers are the {@link Log}'s.
 *
 * <p>A roll seals the active segment and has it fsynced, inline or (with a flush executor) by a
 * task, through the {@link RecoveryPointTracker}, which is told of every segment removed too.
 *
 * <p>Threading: mutations come from one thread at a time, which the {@link Log} ensures with its
 * append lock, holding its structure write lock as well while bytes are removed; reads hold the
 * structure read lock. The active segment and the log end offset are volatile for readers that
 * take no lock.
 */
final class SegmentSet {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentSet.class);
    private final Path dir;
    private final LogFileChannels channels;
    private final ConcurrentSkipListMap<Long, LogSegment> segments;
    private final RecoveryPointTracker recovery;
    /** Runs the fsync of a segment sealed by a roll; null fsyncs it inline. Not owned. */
    private final Executor rollFlushExecutor;
    private volatile LogSegment active;
    private volatile long logEndOffset;

    /**
     * @param segments at least one segment; the last is the active one
     * @param rollFlushExecutor fsyncs segments sealed by a roll; null fsyncs them on the roll's thread
     */
    SegmentSet(Path dir, LogFileChannels channels, ConcurrentSkipListMap<Long, LogSegment> segments,
               RecoveryPointTracker recovery, Executor rollFlushExecutor) {
        this.dir = dir;
        this.channels = channels;
        this.segments = segments;
        this.recovery = recovery;
        this.rollFlushExecutor = rollFlushExecutor;
        this.active = segments.lastEntry().getValue();
        this.logEndOffset = active.nextOffset();
    }

    /** Offset the next appended record gets. */
    long logEndOffset() {
        return logEndOffset;
    }

    /** Base offset of the oldest segment. */
    long firstBaseOffset() {
        return segments.firstKey();
    }

    /** Base offsets, oldest first. */
    List<Long> baseOffsets() {
        return List.copyOf(segments.keySet());
    }

    int count() {
        return segments.size();
    }

    long sizeInBytes() {
        long total = 0;
        for (LogSegment segment : segments.values()) {
            total += segment.size();
        }
        return total;
    }

    /**
     * Writes validated batches whose offsets are stamped and continue the log, back to back from
     * {@code buffer}'s position, rolling to a new segment before any batch that {@code config}
     * says no longer fits the active one.
     */
    LogAppendInfo append(ByteBuffer buffer, List<RecordBatch> batches, LogConfig config, long nowMs) throws IOException {
        try {
            return appendRuns(buffer, batches, config, nowMs);
        } catch (IOException e) {
            // A full disk is survivable only while nothing of this append is in the log: the
            // failed write cut its own partial bytes (SegmentDataFile.write), a refused roll left the
            // active segment as it was. Once an earlier run is in, or sealing a segment for a roll
            // failed (unchecked), the fault takes the log offline like any other.
            if (LogDirectoryFullException.isNoSpace(e) && active.nextOffset() == batches.get(0).baseOffset()) {
                throw new LogDirectoryFullException(dir, "append", e);
            }
            throw e;
        }
    }

    private LogAppendInfo appendRuns(ByteBuffer buffer, List<RecordBatch> batches, LogConfig config, long nowMs)
            throws IOException {
        int runStartIndex = 0;
        int runStartPosition = buffer.position();
        int runBytes = 0;
        for (int i = 0; i < batches.size(); i++) {
            RecordBatch batch = batches.get(i);
            long batchTime = batch.maxTimestamp() >= 0 ? batch.maxTimestamp() : nowMs;
            if (active.shouldRoll(config, runBytes, i - runStartIndex, batch.sizeInBytes(), batch.lastOffset(),
                    batchTime)) {
                writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, i), nowMs);
                roll(batch.baseOffset(), config);
                runStartIndex = i;
                runStartPosition += runBytes;
                runBytes = 0;
            }
            runBytes += batch.sizeInBytes();
        }
        writeRun(buffer, runStartPosition, runBytes, batches.subList(runStartIndex, batches.size()), nowMs);
        RecordBatch first = batches.get(0);
        RecordBatch last = batches.get(batches.size() - 1);
        return new LogAppendInfo(first.baseOffset(), last.lastOffset(), batches.size(),
                runStartPosition + runBytes - buffer.position(), false,
                batches.stream().map(RecordBatch::baseOffset).toList(), 0);
    }

    private void writeRun(ByteBuffer buffer, int position, int bytes, List<RecordBatch> run, long nowMs)
            throws IOException {
        if (run.isEmpty()) {
            return;
        }
        ByteBuffer slice = buffer.duplicate();
        slice.limit(position + bytes).position(position);
        active.append(slice, run, nowMs);
        logEndOffset = active.nextOffset();
    }

    /**
     * Seals the active segment and starts a new one at {@code newBase}. The sealed segment is
     * fsynced inline (advancing the recovery point now) or, with a flush executor, by a task
     * that advances it once the fsync is done.
     *
     * <p>The new segment is created before the active one is sealed: a full disk that refuses it
     * leaves the active segment as it was, so the append that needed the roll is refused like any
     * other on a full disk (thrown as is) and the log stays online. A failure once the old segment
     * is being sealed is thrown unchecked, so that {@link #append} does not take a sealed segment
     * without a successor for a rolled-back write: the log goes offline.
     */
    private void roll(long newBase, LogConfig config) throws IOException {
        LogSegment old = active;
        LogSegment next = LogSegment.create(dir, newBase, config, channels);
        try {
            if (rollFlushExecutor == null) {
                old.becomeInactive();
            } else {
                old.seal();
            }
        } catch (IOException e) {
            UncheckedIOException failure = new UncheckedIOException("sealing segment " + old + " to roll to offset "
                    + newBase, e);
            try {
                next.delete();
            } catch (IOException deleting) {
                failure.addSuppressed(deleting);
            }
            throw failure;
        }
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

    /** fsyncs what group commit needs: rolled segments still waiting for their fsync, then the active segment's data. */
    void flushAppended() throws IOException {
        recovery.flushAllPending();
        active.flushData();
    }

    /**
     * Whole batches from the one holding {@code startOffset}, within one segment, up to
     * {@code maxBytes} (at least one batch) and ending below {@code maxOffsetExclusive} and the
     * log end; empty when there are none.
     *
     * @throws OffsetOutOfRangeException if {@code startOffset} is below {@code logStartOffset} or
     *     above the log end offset
     */
    LogSlice read(long startOffset, int maxBytes, long maxOffsetExclusive, long logStartOffset) throws IOException {
        long end = logEndOffset;
        if (startOffset < logStartOffset || startOffset > end) {
            throw new OffsetOutOfRangeException(startOffset, logStartOffset, end);
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

    /** The first record at or after {@code minOffset} whose timestamp is ≥ {@code timestamp}, or null. */
    TimestampOffset offsetForTimestamp(long timestamp, long minOffset) throws IOException {
        for (LogSegment segment : segments.values()) {
            if (segment.nextOffset() <= minOffset) {
                continue;
            }
            TimestampOffset found = segment.findOffsetByTimestamp(timestamp, minOffset);
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** Calls {@code visitor} with the header of every batch, oldest first; no records are read. */
    void forEachBatchHeader(Consumer<FileBatchHeader> visitor) throws IOException {
        for (LogSegment segment : segments.values()) {
            segment.forEachBatchHeader(visitor);
        }
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset}, which lies in the log: later
     * segments are deleted (never the oldest), and the segment left last becomes the active one.
     * Flushes pending for the touched segments are cancelled or awaited first.
     *
     * @return the new log end offset
     */
    long truncateTo(long offset) throws IOException {
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
        return logEndOffset;
    }

    /**
     * Deletes every segment and starts one empty segment at {@code offset}. The caller has moved
     * the log start offset there already: the recovery tracker checkpoints it before any segment
     * is deleted, and segments go newest first, so a crash midway reopens at {@code offset}.
     */
    void restartEmptyAt(long offset, LogConfig config) throws IOException {
        recovery.forgetRange(Long.MIN_VALUE, Long.MAX_VALUE);
        logEndOffset = offset;
        recovery.restartedAt(offset);
        for (LogSegment segment : List.copyOf(segments.descendingMap().values())) {
            segments.remove(segment.baseOffset());
            segment.delete();
        }
        LogSegment fresh = LogSegment.create(dir, offset, config, channels);
        segments.put(offset, fresh);
        active = fresh;
        CheckpointFile.fsyncDirectory(dir);
    }

    /** A live view of the segments no longer appended to, oldest first (base offset → segment). */
    NavigableMap<Long, LogSegment> closedView() {
        return segments.headMap(active.baseOffset(), false);
    }

    /** The base offset of the segment after the one at {@code baseOffset}, or the log end offset for the last. */
    long nextBaseOffset(long baseOffset) {
        Long next = segments.higherKey(baseOffset);
        return next == null ? logEndOffset : next;
    }

    /**
     * Puts {@code cleaned}, whose files carry {@link SegmentFileNames#SWAP_SUFFIX}, in place of the
     * closed segments {@code old} (it starts at the first one's base offset), deletes their files
     * and gives {@code cleaned} its live file names. The caller holds the structure write lock, so
     * no read sees the set halfway.
     */
    void replace(List<LogSegment> old, LogSegment cleaned) throws IOException {
        for (LogSegment segment : old) {
            segments.remove(segment.baseOffset(), segment);
        }
        segments.put(cleaned.baseOffset(), cleaned);
        for (LogSegment segment : old) {
            segment.delete();
        }
        cleaned.renameSuffix("");
        CheckpointFile.fsyncDirectory(dir);
    }

    /** The segments no longer appended to, oldest first, as retention weighs them. */
    List<SegmentRetention.ClosedSegment> closedSegments() {
        List<SegmentRetention.ClosedSegment> closed = new ArrayList<>();
        for (Map.Entry<Long, LogSegment> entry : segments.headMap(active.baseOffset()).entrySet()) {
            LogSegment segment = entry.getValue();
            closed.add(new SegmentRetention.ClosedSegment(segment.baseOffset(), segments.higherKey(entry.getKey()),
                    segment.size(), segment.maxTimestamp()));
        }
        return closed;
    }

    /** How many of the oldest segments hold only offsets below {@code offset}; the active one never counts. */
    int countSegmentsBelow(long offset) {
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

    /** Base offset of the segment that is oldest once the {@code count} oldest are gone. */
    long baseOffsetAfterOldest(int count) {
        return segments.keySet().stream().skip(count).findFirst().orElseThrow();
    }

    /** Deletes the {@code count} oldest segments; their pending flushes must have been forgotten. */
    void deleteOldest(int count) throws IOException {
        for (int i = 0; i < count; i++) {
            segments.pollFirstEntry().getValue().delete();
        }
    }

    /**
     * Closes the segments. While the log is online it first fsyncs everything, seals the active
     * segment and marks the directory cleanly shut down; an offline log only releases its files
     * (the next open then recovers), logging rather than throwing if that fails.
     *
     * @throws LogOfflineException if an online log hits a storage fault on the way; the files are
     *     released all the same
     */
    void close(OfflineSwitch offline) {
        LogOfflineException failure = null;
        if (!offline.isOffline()) {
            try {
                offline.run("clean shutdown", this::shutDownCleanly);
            } catch (LogOfflineException e) {
                failure = e;
            }
        }
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
    }

    /**
     * fsyncs everything (rolled segments whose fsync is pending included), seals the active
     * segment, checkpoints the log end as the recovery point and writes the clean-shutdown marker.
     */
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
}
