package io.wharf.replication.log;

import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordKey;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Compaction of one log (Kafka's Cleaner): builds an {@link OffsetMap} of the dirty section's
 * keys, then rewrites the closed segments from the log start to the end of what the map covers,
 * keeping the latest record of every key, and swaps each rewritten group of segments in. Offsets
 * do not change and stay contiguous: a batch keeps its offset range whatever records it loses,
 * and a run of batches removed whole leaves one empty filler batch over their offsets (Kafka
 * leaves gaps instead; we keep contiguity so that recovery and follower appends still detect a
 * corrupted base offset). The first dirty offset is kept in {@code cleaner-offset-checkpoint} so the next cleaning maps only
 * what is new.
 *
 * <p>Crash safety: a group's replacement is written under {@link SegmentFileNames#CLEANED_SUFFIX} and
 * fsynced; renaming its log file to {@link SegmentFileNames#SWAP_SUFFIX} commits it. Then the old
 * segments are deleted and the swap file renamed to its live name. {@link LogLoader} deletes
 * {@code .cleaned} files and completes a committed swap, so a crash at any step reopens with
 * either the old or the new segments whole.
 *
 * <p>Threading: one cleaning at a time, under the {@link Log}'s cleaner lock, which everything
 * that removes segments (truncation, retention, close) also takes; those ask a running cleaning
 * to stop early ({@code abortRequested}). Closed segments are immutable meanwhile, so the
 * cleaning reads them without the append lock; only the swap itself takes the structure write
 * lock ({@code Swapper}).
 */
final class LogCleaner {
    static final String CHECKPOINT_FILE = "cleaner-offset-checkpoint";
    /** Bytes of cleaned batches gathered before one write to the new segment. */
    private static final int WRITE_CHUNK_BYTES = 1024 * 1024;
    /** A time index entry's size: the tighter of the two index bounds on a segment's batches. */
    private static final int TIME_INDEX_ENTRY_BYTES = 12;

    /** Replaces {@code old} with {@code cleaned} in the live segment set, under the log's structure lock. */
    interface Swapper {
        void swap(List<LogSegment> old, LogSegment cleaned);
    }

    /** Thrown inside a cleaning to stop it: the log needs its segments, or the thread was interrupted. */
    static final class CleaningAbortedException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CleaningAbortedException(String message) {
            super(message, null, false, false);
        }
    }

    private final Path dir;
    private final SegmentSet segments;
    private final LogFileChannels channels;
    private final CheckpointFile checkpoint;
    /** Where the next cleaning's dirty section starts; guarded by the log's cleaner lock for writes. */
    private volatile long firstDirtyOffset;

    LogCleaner(Path dir, SegmentSet segments, LogFileChannels channels) {
        this.dir = dir;
        this.segments = segments;
        this.channels = channels;
        this.checkpoint = new CheckpointFile(dir.resolve(CHECKPOINT_FILE));
        this.firstDirtyOffset = checkpoint.read().filter(lines -> !lines.isEmpty())
                .map(lines -> parseOffset(lines.get(0))).orElse(0L);
    }

    private long parseOffset(String line) {
        try {
            return Long.parseLong(line.trim());
        } catch (NumberFormatException e) {
            throw new LogStorageException(checkpoint.path() + " holds '" + line + "', not an offset; delete it to"
                    + " have the whole log cleaned again");
        }
    }

    /**
     * The clean and dirty sections now (see {@link CleanableSection}).
     *
     * @param upperBound nothing at or above it is cleanable (the high watermark and the recovery point)
     */
    CleanableSection section(LogConfig config, long logStart, long upperBound, long nowMs) {
        long firstDirty = Math.max(logStart, Math.min(firstDirtyOffset, segments.logEndOffset()));
        long cleanBytes = 0;
        long dirtyBytes = 0;
        long cleanableEnd = firstDirty;
        boolean due = false;
        boolean firstDirtySegment = true;
        for (Map.Entry<Long, LogSegment> entry : segments.closedView().entrySet()) {
            LogSegment segment = entry.getValue();
            long next = segments.nextBaseOffset(entry.getKey());
            if (next <= firstDirty) {
                cleanBytes += segment.size();
                continue;
            }
            if (next > upperBound || tooYoung(segment, config, nowMs)) {
                break;
            }
            if (firstDirtySegment) {
                firstDirtySegment = false;
                long firstTimestamp = segment.rollingBaseMs();
                due = config.maxCompactionLagMs() < Long.MAX_VALUE && firstTimestamp >= 0
                        && nowMs - firstTimestamp > config.maxCompactionLagMs();
            }
            dirtyBytes += segment.size();
            cleanableEnd = next;
        }
        return new CleanableSection(firstDirty, cleanableEnd, cleanBytes, dirtyBytes, due);
    }

    /** Whether {@code segment} holds a record newer than {@code min.compaction.lag.ms}, which must wait. */
    private static boolean tooYoung(LogSegment segment, LogConfig config, long nowMs) {
        return config.minCompactionLagMs() > 0 && segment.maxTimestamp() >= 0
                && nowMs - segment.maxTimestamp() < config.minCompactionLagMs();
    }

    /**
     * Cleans the dirty section of {@code section} (see the class comment).
     *
     * @param producerLastBatches base offsets of each idempotent producer's last batch in the log,
     *     kept (empty if need be) so its sequences survive a reopen
     * @param abortRequested polled between batches; true stops the cleaning after the groups
     *     already swapped, without advancing the first dirty offset
     * @throws CleaningAbortedException when stopped early, or interrupted while throttled
     * @throws IllegalStateException when not even one dirty segment's keys fit the dedupe buffer
     */
    CleanResult clean(CleanableSection section, LogConfig config, CleanerOptions options, long nowMs,
                      Set<Long> producerLastBatches, BooleanSupplier abortRequested, Swapper swapper)
            throws IOException {
        if (section.dirtyBytes() == 0) {
            return CleanResult.nothing(section.firstDirtyOffset());
        }
        Progress progress = new Progress(options.throttle(), abortRequested);
        OffsetMap map = new OffsetMap(options.dedupeBufferBytes());
        long mapEnd = map(section, map, progress);
        if (mapEnd <= section.firstDirtyOffset()) {
            throw new IllegalStateException("log.cleaner.dedupe.buffer.size of " + options.dedupeBufferBytes()
                    + " bytes cannot hold the keys of one segment of " + dir + "; raise it");
        }
        TombstoneHorizon tombstones = new TombstoneHorizon(nowMs, config.deleteRetentionMs());
        long bytesBefore = 0;
        long bytesAfter = 0;
        int segmentsBefore = 0;
        int segmentsAfter = 0;
        for (List<LogSegment> group : groups(mapEnd, config, progress)) {
            LogSegment cleaned = rewrite(group, map, tombstones, config, producerLastBatches, progress, nowMs);
            for (LogSegment old : group) {
                bytesBefore += old.size();
            }
            bytesAfter += cleaned.size();
            segmentsBefore += group.size();
            segmentsAfter++;
            swapper.swap(group, cleaned);
        }
        firstDirtyOffset = mapEnd;
        checkpoint.write(List.of(Long.toString(mapEnd)));
        return new CleanResult(section.firstDirtyOffset(), mapEnd, progress.bytesRead, bytesBefore, bytesAfter,
                segmentsBefore, segmentsAfter, progress.recordsRemoved);
    }

    /**
     * Puts the keys of the dirty section into {@code map}, whole segments at a time.
     *
     * @return the end of the last segment whose keys all fit: the cleaning's upper bound
     */
    private long map(CleanableSection section, OffsetMap map, Progress progress) throws IOException {
        long mapEnd = section.firstDirtyOffset();
        ByteBuffer scratch = FileBatchHeader.scratch();
        for (Map.Entry<Long, LogSegment> entry : segments.closedView().entrySet()) {
            long next = segments.nextBaseOffset(entry.getKey());
            if (next <= section.firstDirtyOffset()) {
                continue;
            }
            if (next > section.cleanableEndOffset()) {
                break;
            }
            LogSegment segment = entry.getValue();
            boolean full = false;
            int position = 0;
            FileBatchHeader header;
            while (!full && (header = segment.headerAt(position, scratch)) != null) {
                position += header.size();
                if (header.lastOffset() < section.firstDirtyOffset()) {
                    continue;
                }
                RecordBatch batch = segment.readBatch(header);
                progress.read(header.size());
                if (batch.isControl()) {
                    continue;
                }
                for (RecordKey record : batch.recordKeys()) {
                    if (record.offset() >= section.firstDirtyOffset() && record.key() != null
                            && !map.put(record.key(), record.offset())) {
                        full = true;  // the keys mapped so far still supersede older records correctly
                        break;
                    }
                }
            }
            if (full) {
                break;
            }
            mapEnd = next;
        }
        return mapEnd;
    }

    /**
     * The closed segments below {@code end}, oldest first, in runs that each fit one new segment:
     * at most segment.bytes, at most as many batches as the indexes can hold, offsets within an
     * int of the base. Small segments left by earlier cleanings merge this way.
     */
    private List<List<LogSegment>> groups(long end, LogConfig config, Progress progress) throws IOException {
        int maxBatches = config.segmentIndexBytes() / TIME_INDEX_ENTRY_BYTES - 1;
        List<List<LogSegment>> groups = new ArrayList<>();
        List<LogSegment> group = new ArrayList<>();
        long groupBytes = 0;
        long groupBatches = 0;
        for (Map.Entry<Long, LogSegment> entry : segments.closedView().entrySet()) {
            long next = segments.nextBaseOffset(entry.getKey());
            if (next > end) {
                break;
            }
            LogSegment segment = entry.getValue();
            long batches = countBatches(segment);
            boolean fits = group.isEmpty() || (groupBytes + segment.size() <= config.segmentBytes()
                    && groupBatches + batches <= maxBatches
                    && next - 1 - group.get(0).baseOffset() <= Integer.MAX_VALUE);
            if (!fits) {
                groups.add(group);
                group = new ArrayList<>();
                groupBytes = 0;
                groupBatches = 0;
            }
            group.add(segment);
            groupBytes += segment.size();
            groupBatches += batches;
            progress.checkAbort();
        }
        if (!group.isEmpty()) {
            groups.add(group);
        }
        return groups;
    }

    private static long countBatches(LogSegment segment) throws IOException {
        long[] count = {0};
        segment.forEachBatchHeader(header -> count[0]++);
        return count[0];
    }

    /**
     * Writes the records of {@code group} that survive into a new segment under
     * {@link SegmentFileNames#CLEANED_SUFFIX}, fsyncs it and commits it by renaming it to
     * {@link SegmentFileNames#SWAP_SUFFIX}. On any failure the new files are deleted.
     */
    private LogSegment rewrite(List<LogSegment> group, OffsetMap map, TombstoneHorizon tombstones, LogConfig config,
                               Set<Long> producerLastBatches, Progress progress, long nowMs) throws IOException {
        LogSegment cleaned = LogSegment.createCleaned(dir, group.get(0).baseOffset(), config, channels);
        try {
            ChunkWriter writer = new ChunkWriter(cleaned, progress, nowMs);
            ByteBuffer scratch = FileBatchHeader.scratch();
            FillerRun removed = null;
            for (LogSegment segment : group) {
                int position = 0;
                FileBatchHeader header;
                while ((header = segment.headerAt(position, scratch)) != null) {
                    position += header.size();
                    progress.checkAbort();
                    RecordBatch batch = segment.readBatch(header);
                    progress.read(header.size());
                    ByteBuffer kept = retained(batch, map, tombstones, producerLastBatches, progress);
                    if (kept == null && removed != null && removed.epoch == batch.partitionLeaderEpoch()) {
                        removed.lastOffset = batch.lastOffset();
                    } else if (kept == null) {
                        writeFiller(writer, removed);
                        removed = new FillerRun(batch.baseOffset(), batch.lastOffset(), batch.partitionLeaderEpoch());
                    } else {
                        writeFiller(writer, removed);
                        removed = null;
                        writer.add(kept);
                    }
                }
            }
            writeFiller(writer, removed);
            writer.flush();
            cleaned.becomeInactive();
            cleaned.renameSuffix(SegmentFileNames.SWAP_SUFFIX);
            CheckpointFile.fsyncDirectory(dir);
            return cleaned;
        } catch (IOException | RuntimeException e) {
            try {
                cleaned.delete();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * {@code batch} as compaction keeps it: whole (its own bytes) when every record stays,
     * rewritten with the survivors, empty when none stays but it is its producer's last batch,
     * or null when it goes (a filler takes its offsets). A record stays unless a later record of its key exists (the map) or
     * it is a tombstone past {@code delete.retention.ms}. Records without a key cannot be
     * superseded and stay; control batches stay whole.
     */
    private static ByteBuffer retained(RecordBatch batch, OffsetMap map, TombstoneHorizon tombstones,
                                       Set<Long> producerLastBatches, Progress progress) {
        if (batch.isControl()) {
            return batch.buffer();
        }
        List<RecordKey> keys = batch.recordKeys();
        boolean[] keep = new boolean[keys.size()];
        int keptCount = 0;
        for (int i = 0; i < keys.size(); i++) {
            RecordKey record = keys.get(i);
            boolean superseded = record.key() != null && map.latest(record.key()) > record.offset();
            keep[i] = record.key() == null
                    || (!superseded && !(record.tombstone() && tombstones.expired(record.timestamp())));
            keptCount += keep[i] ? 1 : 0;
        }
        progress.recordsRemoved += keys.size() - keptCount;
        if (!keys.isEmpty() && keptCount == keys.size()) {
            return batch.buffer();
        }
        // an empty batch (a filler, or a producer's batch that is no longer its last) merges into the next filler
        if (keptCount == 0 && !(batch.producerId() >= 0 && producerLastBatches.contains(batch.baseOffset()))) {
            return null;
        }
        List<Record> kept = new ArrayList<>(keptCount);
        if (keptCount > 0) {
            List<Record> records = batch.records();
            for (int i = 0; i < records.size(); i++) {
                if (keep[i]) {
                    kept.add(records.get(i));
                }
            }
        }
        return RecordBatchBuilder.retaining(batch, kept);
    }

    private static void writeFiller(ChunkWriter writer, FillerRun run) throws IOException {
        if (run != null) {
            writer.add(RecordBatchBuilder.filler(run.baseOffset, run.lastOffset, run.epoch));
        }
    }

    /**
     * Consecutive batches of one leader epoch that compaction removes whole: one empty filler
     * batch takes their offsets, so the log stays contiguous batch to batch (recovery and
     * follower appends keep checking that) while their bytes go.
     */
    private static final class FillerRun {
        final long baseOffset;
        long lastOffset;
        final int epoch;

        FillerRun(long baseOffset, long lastOffset, int epoch) {
            this.baseOffset = baseOffset;
            this.lastOffset = lastOffset;
            this.epoch = epoch;
        }
    }

    /** When tombstones may go: {@code delete.retention.ms} after their timestamp (never without one). */
    private record TombstoneHorizon(long nowMs, long deleteRetentionMs) {
        boolean expired(long timestamp) {
            return timestamp >= 0 && nowMs - timestamp > deleteRetentionMs;
        }
    }

    /** Counts what a cleaning read and removed, paces it, and stops it when asked to. */
    private static final class Progress {
        private static final long PACE_BYTES = 16 * 1024;
        private final IoThrottle throttle;
        private final BooleanSupplier abortRequested;
        long bytesRead;
        long recordsRemoved;

        Progress(IoThrottle throttle, BooleanSupplier abortRequested) {
            this.throttle = throttle;
            this.abortRequested = abortRequested;
        }

        void read(long bytes) {
            bytesRead += bytes;
            pace(bytes);
        }

        /**
         * Paces {@code bytes} of I/O in pieces of {@link #PACE_BYTES}, checking for an abort
         * between them: a slow throttle must not hold a truncation or a close waiting for long.
         */
        void pace(long bytes) {
            long left = bytes;
            while (left > 0) {
                long piece = Math.min(left, PACE_BYTES);
                try {
                    throttle.onBytes(piece);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CleaningAbortedException("interrupted while throttled");
                }
                left -= piece;
                checkAbort();
            }
        }

        void checkAbort() {
            if (abortRequested.getAsBoolean()) {
                throw new CleaningAbortedException("the log needs its segments (truncation, retention or close)");
            }
        }
    }

    /** Gathers cleaned batches and writes them to the new segment a chunk at a time. */
    private static final class ChunkWriter {
        private final LogSegment target;
        private final Progress progress;
        private final long nowMs;
        private final List<RecordBatch> pending = new ArrayList<>();
        private ByteBuffer chunk = ByteBuffer.allocate(WRITE_CHUNK_BYTES);

        ChunkWriter(LogSegment target, Progress progress, long nowMs) {
            this.target = target;
            this.progress = progress;
            this.nowMs = nowMs;
        }

        void add(ByteBuffer batch) throws IOException {
            int size = batch.remaining();
            if (chunk.position() + size > chunk.capacity()) {
                flush();
                if (size > chunk.capacity()) {
                    chunk = ByteBuffer.allocate(size);
                }
            }
            ByteBuffer copy = chunk.slice(chunk.position(), size);
            copy.put(batch.duplicate());
            copy.flip();
            pending.add(RecordBatch.wrap(copy));
            chunk.position(chunk.position() + size);
        }

        void flush() throws IOException {
            if (pending.isEmpty()) {
                return;
            }
            ByteBuffer contiguous = chunk.duplicate().flip();
            target.append(contiguous, List.copyOf(pending), nowMs);
            progress.pace(contiguous.remaining());
            pending.clear();
            chunk.clear();
        }
    }
}
