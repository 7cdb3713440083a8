package io.wharf.replication.log;

import static io.wharf.replication.log.SegmentFileNames.CLEANED_SUFFIX;
import static io.wharf.replication.log.SegmentFileNames.INDEX_SUFFIX;
import static io.wharf.replication.log.SegmentFileNames.LOG_SUFFIX;
import static io.wharf.replication.log.SegmentFileNames.TIME_INDEX_SUFFIX;
import static io.wharf.replication.log.SegmentFileNames.fileName;

import io.wharf.record.RecordBatch;
import io.wharf.record.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * One segment of a partition log: {@code <20-digit base offset>.log} holding batches back to back
 * ({@link SegmentDataFile}), with its sparse indexes ({@link SegmentIndexes}: {@code .index} and
 * {@code .timeindex}).
 * Mutations (append, truncate, recover, roll hooks, close) come from one thread at a time — the
 * {@link Log} under its append lock; reads may run concurrently from any thread and see only
 * batches whose append completed (the committed size is published through a volatile). Once
 * {@link #seal() sealed}, a segment may be fsynced ({@link #flushAll()}) by a background flusher
 * thread; the {@link Log} keeps truncation, deletion and close from overlapping that fsync.
 */
final class LogSegment {
    /** Receives each recovered batch's leader epoch, so the epoch cache can be rebuilt. */
    interface EpochObserver {
        void onBatch(int partitionLeaderEpoch, long baseOffset);
    }

    /** What a recovery scan found: bytes cut from the tail and why (null when intact). */
    record RecoveryResult(long truncatedBytes, String damage) {
    }

    /**
     * How far ahead of its appends a segment's file is written with zeros, at most (never more
     * than segment.bytes): see {@link SegmentDataFile}. Cut off when the segment is sealed.
     */
    static final int PREALLOCATE_BYTES = 1 << 20;

    private final long baseOffset;
    private final Path dir;
    private final SegmentDataFile data;
    private final SegmentIndexes indexes;

    private volatile int size;
    private volatile long nextOffset;
    /** Start of the segment.ms clock: the first batch's max timestamp, or the clock at its append if it had none. */
    private long rollingBaseMs = -1;
    private boolean tailConsistent = true;

    private LogSegment(Path dir, long baseOffset, LogConfig config, LogFileChannels channels, String fileSuffix,
                       boolean takesAppends) throws IOException {
        this.baseOffset = baseOffset;
        this.dir = dir;
        this.data = new SegmentDataFile(dir.resolve(fileName(baseOffset, LOG_SUFFIX) + fileSuffix), channels,
                takesAppends ? (int) Math.min(PREALLOCATE_BYTES, config.segmentBytes()) : 0);
        try {
            this.indexes = new SegmentIndexes(dir, baseOffset, config, fileSuffix);
        } catch (IOException | RuntimeException e) {
            // Half a segment must not keep its file open (a full disk refuses a roll, and the log
            // goes on with its active segment). The indexes hold no descriptor once mapped.
            closeQuietly(data::close, e);
            throw e;
        }
        this.nextOffset = baseOffset;
    }

    /**
     * Creates an empty segment, replacing stale files with the same base offset. When it cannot
     * (a full disk), it leaves none of its files behind.
     */
    static LogSegment create(Path dir, long baseOffset, LogConfig config, LogFileChannels channels) throws IOException {
        List<Path> files = Stream.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)
                .map(suffix -> dir.resolve(fileName(baseOffset, suffix))).toList();
        for (Path file : files) {
            Files.deleteIfExists(file);
        }
        try {
            return new LogSegment(dir, baseOffset, config, channels, "", true);
        } catch (IOException e) {
            for (Path file : files) {
                closeQuietly(() -> Files.deleteIfExists(file), e);
            }
            throw e;
        }
    }

    /** Undoing after {@code failure}: what fails here is added to it rather than hiding it. */
    private static void closeQuietly(IoAction action, Exception failure) {
        try {
            action.run();
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    @FunctionalInterface
    private interface IoAction {
        void run() throws IOException;
    }

    /**
     * Creates an empty segment the cleaner writes beside the live ones: its files carry
     * {@link SegmentFileNames#CLEANED_SUFFIX} until {@link #renameSuffix} commits them.
     */
    static LogSegment createCleaned(Path dir, long baseOffset, LogConfig config, LogFileChannels channels)
            throws IOException {
        for (String suffix : List.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)) {
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, suffix) + CLEANED_SUFFIX));
        }
        return new LogSegment(dir, baseOffset, config, channels, CLEANED_SUFFIX, false);
    }

    /**
     * Renames the segment's files from their current suffix to {@code suffix} ("" for the live
     * names), the indexes first and the log file last: the log file's name is what a reopening
     * trusts. The open channel and mappings stay valid across the rename.
     */
    void renameSuffix(String suffix) throws IOException {
        indexes.renameSuffix(suffix);
        data.renameTo(dir.resolve(fileName(baseOffset, LOG_SUFFIX) + suffix));
    }

    /**
     * Opens an existing segment trusting its contents (no CRC check): the end offset comes from
     * the last index entry plus a header walk to the end of the file. {@link #needsRecovery()}
     * tells whether the indexes or the tail looked inconsistent.
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, LogFileChannels channels, long nowMs)
            throws IOException {
        LogSegment segment = new LogSegment(dir, baseOffset, config, channels, "", true);
        segment.loadState(nowMs);
        return segment;
    }

    private void loadState(long nowMs) throws IOException {
        int fileSize = data.length();
        size = fileSize;
        boolean offsetIndexSane = indexes.offsetIndexIsSane(fileSize);
        int position = offsetIndexSane ? indexes.lastIndexedPosition() : 0;
        ByteBuffer scratch = FileBatchHeader.scratch();
        long next = baseOffset;
        if (position > 0) {
            FileBatchHeader indexed = data.headerAt(position, fileSize, scratch);
            next = indexed == null ? baseOffset : indexed.baseOffset();
        }
        while (position < fileSize) {
            FileBatchHeader header = data.headerAt(position, fileSize, scratch);
            if (header == null) {
                break;
            }
            next = header.nextOffset();
            position += header.size();
        }
        nextOffset = next;
        tailConsistent = offsetIndexSane && position == fileSize && indexes.timeIndexIsSane(next);
        indexes.resumeFromEntries(fileSize);
        FileBatchHeader first = data.headerAt(0, fileSize, scratch);
        if (first != null) {
            rollingBaseMs = first.maxTimestamp() >= 0 ? first.maxTimestamp() : nowMs;
        }
    }

    /** True when {@link #open} found indexes or a tail it could not trust; run {@link #recover}. */
    boolean needsRecovery() {
        return !tailConsistent;
    }

    long baseOffset() {
        return baseOffset;
    }

    /** Offset just past the last batch; the base offset when empty. */
    long nextOffset() {
        return nextOffset;
    }

    /** Committed bytes. */
    int size() {
        return size;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Largest batch max timestamp in the segment, or -1 when no batch carries a timestamp. */
    long maxTimestamp() {
        return indexes.maxTimestamp();
    }

    /** When the segment.ms clock started, or -1 while empty. */
    long rollingBaseMs() {
        return rollingBaseMs;
    }

    /**
     * Whether a batch of {@code bytes} ending at {@code lastOffset} must go to a new segment,
     * given {@code pendingBytes} in {@code pendingBatches} batches already planned for this one.
     * An empty segment always takes the batch. As in Kafka, segment.ms compares the batch's own
     * timestamp ({@code batchTimeMs}: its max timestamp, or the clock when it has none) with the
     * segment's first, so batches carrying old producer timestamps do not roll on every append.
     * Sizes and ages come from {@code current}, the log's config now (it may have changed since
     * this segment was created); index capacity from this segment's own.
     */
    boolean shouldRoll(LogConfig current, int pendingBytes, int pendingBatches, int bytes, long lastOffset,
                       long batchTimeMs) {
        if (size + pendingBytes == 0) {
            return false;
        }
        return (long) size + pendingBytes + bytes > current.segmentBytes()
                || (rollingBaseMs >= 0 && batchTimeMs - rollingBaseMs >= rollAfterMs(current))
                || !indexes.haveRoomFor(pendingBatches)
                || lastOffset - baseOffset > Integer.MAX_VALUE;
    }

    /**
     * segment.ms, or max.compaction.lag.ms when the log compacts and that is shorter: the active
     * segment is never cleaned, so a record cannot wait longer than that for compaction.
     */
    private static long rollAfterMs(LogConfig current) {
        return current.cleanupPolicy().compacts() ? Math.min(current.segmentMs(), current.maxCompactionLagMs())
                : current.segmentMs();
    }

    /**
     * Appends batches that sit back to back in {@code contiguous} (offsets already stamped) with
     * one write, then indexes them and publishes the new size.
     */
    void append(ByteBuffer contiguous, List<RecordBatch> batches, long nowMs) throws IOException {
        int start = size;
        data.write(contiguous, start);
        int position = start;
        for (RecordBatch batch : batches) {
            indexes.onBatch(batch.baseOffset(), batch.maxTimestamp(), position, batch.sizeInBytes());
            position += batch.sizeInBytes();
            if (rollingBaseMs < 0) {
                rollingBaseMs = batch.maxTimestamp() >= 0 ? batch.maxTimestamp() : nowMs;
            }
        }
        nextOffset = batches.get(batches.size() - 1).nextOffset();
        size = position;
    }

    /**
     * Whole batches from the one holding {@code startOffset}, stopping before {@code maxBytes}
     * would be exceeded (the first batch is returned even if larger, so readers always progress)
     * and before any batch reaching {@code maxOffsetExclusive}.
     *
     * @return the slice, or null when this segment has no batch at or after {@code startOffset}
     */
    LogSlice read(long startOffset, int maxBytes, long maxOffsetExclusive) throws IOException {
        int end = size;
        ByteBuffer scratch = FileBatchHeader.scratch();
        int position = indexes.positionAtOrBefore(startOffset);
        FileBatchHeader first;
        while (true) {
            first = data.headerAt(position, end, scratch);
            if (first == null) {
                return null;
            }
            if (first.lastOffset() >= startOffset) {
                break;
            }
            position += first.size();
        }
        if (first.lastOffset() >= maxOffsetExclusive) {
            return LogSlice.empty(startOffset);
        }
        int total = first.size();
        long next = first.nextOffset();
        int count = 1;
        position += first.size();
        while (total < maxBytes) {
            FileBatchHeader header = data.headerAt(position, end, scratch);
            if (header == null || header.lastOffset() >= maxOffsetExclusive || total + header.size() > maxBytes) {
                break;
            }
            total += header.size();
            next = header.nextOffset();
            count++;
            position += header.size();
        }
        return data.slice(first, total, next, count);
    }

    /**
     * The first record at or after {@code minOffset} whose timestamp is ≥ {@code timestamp}, or
     * null if this segment has none.
     */
    TimestampOffset findOffsetByTimestamp(long timestamp, long minOffset) throws IOException {
        if (indexes.maxTimestamp() < timestamp) {
            return null;
        }
        long from = Math.max(indexes.offsetAtOrBefore(timestamp), minOffset);
        int end = size;
        int position = indexes.positionAtOrBefore(from);
        ByteBuffer scratch = FileBatchHeader.scratch();
        FileBatchHeader header;
        while ((header = data.headerAt(position, end, scratch)) != null) {
            if (header.lastOffset() >= from && header.maxTimestamp() >= timestamp) {
                for (Record record : readBatch(header).records()) {
                    if (record.offset() >= minOffset && record.timestamp() >= timestamp) {
                        return new TimestampOffset(record.timestamp(), record.offset());
                    }
                }
            }
            position += header.size();
        }
        return null;
    }

    /** The header of the batch at {@code position}, or null past the last batch. */
    FileBatchHeader headerAt(int position, ByteBuffer scratch) throws IOException {
        return data.headerAt(position, size, scratch);
    }

    /** The whole batch {@code header} describes, read into a new heap buffer. */
    RecordBatch readBatch(FileBatchHeader header) throws IOException {
        return data.readBatch(header);
    }

    /** Calls {@code visitor} with the header of every batch in this segment, in order; the records are not read. */
    void forEachBatchHeader(Consumer<FileBatchHeader> visitor) throws IOException {
        int end = size;
        int position = 0;
        ByteBuffer scratch = FileBatchHeader.scratch();
        FileBatchHeader header;
        while ((header = data.headerAt(position, end, scratch)) != null) {
            visitor.accept(header);
            position += header.size();
        }
    }

    /**
     * Removes every batch whose last offset is ≥ {@code offset} (so a batch holding it goes
     * entirely) and fsyncs the cut.
     *
     * @return bytes removed
     */
    int truncateTo(long offset) throws IOException {
        int end = size;
        ByteBuffer scratch = FileBatchHeader.scratch();
        int position = indexes.positionAtOrBefore(offset);
        FileBatchHeader header;
        while ((header = data.headerAt(position, end, scratch)) != null && header.lastOffset() < offset) {
            position += header.size();
        }
        if (header == null) {
            return 0;
        }
        long cutOffset = header.baseOffset();
        size = position;
        data.cut(position);
        indexes.truncateTo(cutOffset, position);
        nextOffset = cutOffset;
        rescanTimestamps();
        return end - position;
    }

    /** Gives the indexes the max timestamps of the batches a truncation left; restarts segment.ms if none is left. */
    private void rescanTimestamps() throws IOException {
        ByteBuffer scratch = FileBatchHeader.scratch();
        int position = 0;
        FileBatchHeader header;
        FileBatchHeader first = null;
        while ((header = data.headerAt(position, size, scratch)) != null) {
            if (first == null) {
                first = header;
            }
            indexes.observeTimestamp(header.maxTimestamp(), header.baseOffset());
            position += header.size();
        }
        if (first == null) {
            rollingBaseMs = -1;
        }
    }

    /**
     * Re-reads the whole file verifying every batch (framing, magic, offsets continuing from the
     * base offset, CRC-32C), rebuilds both indexes, and cuts the file at the first damaged batch.
     */
    RecoveryResult recover(EpochObserver epochs, long nowMs) throws IOException {
        indexes.resetForRecovery();
        rollingBaseMs = -1;
        int fileEnd = data.length();
        RecoveryScan.Outcome scan = RecoveryScan.verify(data, baseOffset, fileEnd, header -> {
            indexes.onBatch(header.baseOffset(), header.maxTimestamp(), header.position(), header.size());
            if (rollingBaseMs < 0) {
                rollingBaseMs = header.maxTimestamp() >= 0 ? header.maxTimestamp() : nowMs;
            }
            epochs.onBatch(header.partitionLeaderEpoch(), header.baseOffset());
        });
        int position = scan.validBytes();
        if (position < fileEnd) {
            data.cut(position);
        }
        size = position;
        nextOffset = scan.nextOffset();
        tailConsistent = true;
        return new RecoveryResult(fileEnd - position, scan.damage());
    }

    /** fsyncs the log data only (what a durable append needs; indexes are rebuilt by recovery). */
    void flushData() throws IOException {
        data.flushData();
    }

    /** Seals the segment when a newer one takes over and fsyncs it: {@link #seal()} then {@link #flushAll()}. */
    void becomeInactive() throws IOException {
        seal();
        flushAll();
    }

    /**
     * Seals the segment without fsyncing it: the data file cut to its batches, final time-index
     * entry and indexes trimmed to their entries. After this no mutation but {@link #flushAll()}
     * happens until truncation makes the segment active again, so a flusher thread may run
     * {@code flushAll} concurrently with reads.
     */
    void seal() throws IOException {
        data.trimTo(size);
        indexes.seal();
    }

    /** Grows the indexes back to their preallocated size so appends can index again. */
    void becomeActive() throws IOException {
        indexes.grow();
    }

    void flushAll() throws IOException {
        data.flushAll();
        indexes.flush();
    }

    void close() throws IOException {
        data.close();
    }

    /** Closes and removes the segment's three files. */
    void delete() throws IOException {
        data.delete();
        indexes.delete();
    }

    @Override
    public String toString() {
        return "LogSegment(" + data.file().getFileName() + ", offsets " + baseOffset + ".." + nextOffset + ", " + size + " bytes)";
    }
}
