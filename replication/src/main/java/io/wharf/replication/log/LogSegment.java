package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import io.wharf.record.Record;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * One segment of a partition log: {@code <20-digit base offset>.log} holding batches back to back,
 * with its sparse {@link OffsetIndex} ({@code .index}) and {@link TimeIndex} ({@code .timeindex}).
 * Mutations (append, truncate, recover, roll hooks, close) come from one thread at a time — the
 * {@link Log} under its append lock; reads may run concurrently from any thread and see only
 * batches whose append completed (the committed size is published through a volatile). Once
 * {@link #seal() sealed}, a segment may be fsynced ({@link #flushAll()}) by a background flusher
 * thread; the {@link Log} keeps truncation, deletion and close from overlapping that fsync.
 */
final class LogSegment {
    static final String LOG_SUFFIX = ".log";
    static final String INDEX_SUFFIX = ".index";
    static final String TIME_INDEX_SUFFIX = ".timeindex";
    /** Added to the file names of a segment the cleaner is still writing; deleted when found at open. */
    static final String CLEANED_SUFFIX = ".cleaned";
    /** Added to the file names of a cleaned segment that is to replace old ones; completed when found at open. */
    static final String SWAP_SUFFIX = ".swap";
    private static final int CRC_CHUNK = 64 * 1024;

    /** Receives each recovered batch's leader epoch, so the epoch cache can be rebuilt. */
    interface EpochObserver {
        void onBatch(int partitionLeaderEpoch, long baseOffset);
    }

    /** What a recovery scan found: bytes cut from the tail and why (null when intact). */
    record RecoveryResult(long truncatedBytes, String damage) {
    }

    private final long baseOffset;
    private final Path dir;
    /** Changed only by {@link #renameSuffix}, by the thread that owns the segment before it is published. */
    private Path logFile;
    private final LogConfig config;
    private final FileChannel channel;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;

    private volatile int size;
    private volatile long nextOffset;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long offsetOfMaxTimestamp;
    private int bytesSinceLastIndexEntry;
    /** Start of the segment.ms clock: the first batch's max timestamp, or the clock at its append if it had none. */
    private long rollingBaseMs = -1;
    private boolean tailConsistent = true;

    private LogSegment(Path dir, long baseOffset, LogConfig config, LogFileChannels channels, String fileSuffix)
            throws IOException {
        this.baseOffset = baseOffset;
        this.dir = dir;
        this.config = config;
        this.logFile = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + fileSuffix);
        this.channel = channels.open(logFile);
        try {
            this.offsetIndex = new OffsetIndex(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + fileSuffix),
                    baseOffset, config.segmentIndexBytes());
            this.timeIndex = new TimeIndex(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + fileSuffix),
                    baseOffset, config.segmentIndexBytes());
        } catch (IOException | RuntimeException e) {
            // Half a segment must not keep its file open (a full disk refuses a roll, and the log
            // goes on with its active segment). The indexes hold no descriptor once mapped.
            closeQuietly(channel::close, e);
            throw e;
        }
        this.nextOffset = baseOffset;
        this.offsetOfMaxTimestamp = baseOffset;
    }

    static String fileName(long baseOffset, String suffix) {
        return String.format("%020d%s", baseOffset, suffix);
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
            return new LogSegment(dir, baseOffset, config, channels, "");
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
     * {@link #CLEANED_SUFFIX} until {@link #renameSuffix} commits them.
     */
    static LogSegment createCleaned(Path dir, long baseOffset, LogConfig config, LogFileChannels channels)
            throws IOException {
        for (String suffix : List.of(LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX)) {
            Files.deleteIfExists(dir.resolve(fileName(baseOffset, suffix) + CLEANED_SUFFIX));
        }
        return new LogSegment(dir, baseOffset, config, channels, CLEANED_SUFFIX);
    }

    /**
     * Renames the segment's files from their current suffix to {@code suffix} ("" for the live
     * names), the indexes first and the log file last: the log file's name is what a reopening
     * trusts. The open channel and mappings stay valid across the rename.
     */
    void renameSuffix(String suffix) throws IOException {
        offsetIndex.renameTo(dir.resolve(fileName(baseOffset, INDEX_SUFFIX) + suffix));
        timeIndex.renameTo(dir.resolve(fileName(baseOffset, TIME_INDEX_SUFFIX) + suffix));
        Path renamed = dir.resolve(fileName(baseOffset, LOG_SUFFIX) + suffix);
        Files.move(logFile, renamed, StandardCopyOption.ATOMIC_MOVE);
        logFile = renamed;
    }

    /**
     * Opens an existing segment trusting its contents (no CRC check): the end offset comes from
     * the last index entry plus a header walk to the end of the file. {@link #needsRecovery()}
     * tells whether the indexes or the tail looked inconsistent.
     */
    static LogSegment open(Path dir, long baseOffset, LogConfig config, LogFileChannels channels, long nowMs)
            throws IOException {
        LogSegment segment = new LogSegment(dir, baseOffset, config, channels, "");
        segment.loadState(nowMs);
        return segment;
    }

    private void loadState(long nowMs) throws IOException {
        int fileSize = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        size = fileSize;
        boolean offsetIndexSane = offsetIndex.isSane(fileSize);
        int position = offsetIndexSane ? offsetIndex.lastPosition() : 0;
        ByteBuffer scratch = FileBatchHeader.scratch();
        long next = baseOffset;
        if (position > 0) {
            FileBatchHeader indexed = FileBatchHeader.read(channel, position, fileSize, scratch);
            next = indexed == null ? baseOffset : indexed.baseOffset();
        }
        while (position < fileSize) {
            FileBatchHeader header = FileBatchHeader.read(channel, position, fileSize, scratch);
            if (header == null) {
                break;
            }
            next = header.nextOffset();
            position += header.size();
        }
        nextOffset = next;
        tailConsistent = offsetIndexSane && position == fileSize && timeIndex.isSane(next);
        maxTimestamp = timeIndex.lastTimestamp();
        offsetOfMaxTimestamp = timeIndex.lastOffset();
        bytesSinceLastIndexEntry = fileSize - offsetIndex.lastPosition();
        FileBatchHeader first = FileBatchHeader.read(channel, 0, fileSize, scratch);
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
        return maxTimestamp;
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
                || !offsetIndex.hasRoomFor(pendingBatches + 1)
                || !timeIndex.hasRoomFor(pendingBatches + 2)
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
        long at = start;
        ByteBuffer source = contiguous.duplicate();
        try {
            while (source.hasRemaining()) {
                at += channel.write(source, at);
            }
        } catch (IOException e) {
            // Bytes past the published size belong to no batch: cut them, so that a full disk
            // (whose write fails part way) leaves the file as it was. Truncating needs no space.
            try {
                channel.truncate(start);
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        }
        int position = start;
        for (RecordBatch batch : batches) {
            indexBatch(batch.baseOffset(), batch.maxTimestamp(), position, batch.sizeInBytes());
            position += batch.sizeInBytes();
            if (rollingBaseMs < 0) {
                rollingBaseMs = batch.maxTimestamp() >= 0 ? batch.maxTimestamp() : nowMs;
            }
        }
        nextOffset = batches.get(batches.size() - 1).nextOffset();
        size = position;
    }

    private void indexBatch(long batchBaseOffset, long batchMaxTimestamp, int position, int batchSize) {
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = batchBaseOffset;
        }
        if (bytesSinceLastIndexEntry > config.indexIntervalBytes() && position > 0) {
            offsetIndex.append(batchBaseOffset, position);
            if (maxTimestamp >= 0) {
                timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
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
        int position = offsetIndex.lookup(startOffset);
        FileBatchHeader first;
        while (true) {
            first = FileBatchHeader.read(channel, position, end, scratch);
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
            FileBatchHeader header = FileBatchHeader.read(channel, position, end, scratch);
            if (header == null || header.lastOffset() >= maxOffsetExclusive || total + header.size() > maxBytes) {
                break;
            }
            total += header.size();
            next = header.nextOffset();
            count++;
            position += header.size();
        }
        return new LogSlice(channel, first.position(), total, first.baseOffset(), next, count);
    }

    /**
     * The first record at or after {@code minOffset} whose timestamp is ≥ {@code timestamp}, or
     * null if this segment has none.
     */
    TimestampOffset findOffsetByTimestamp(long timestamp, long minOffset) throws IOException {
        if (maxTimestamp < timestamp) {
            return null;
        }
        long from = Math.max(timeIndex.lookup(timestamp), minOffset);
        int end = size;
        int position = offsetIndex.lookup(from);
        ByteBuffer scratch = FileBatchHeader.scratch();
        FileBatchHeader header;
        while ((header = FileBatchHeader.read(channel, position, end, scratch)) != null) {
            if (header.lastOffset() >= from && header.maxTimestamp() >= timestamp) {
                ByteBuffer bytes = ByteBuffer.allocate(header.size());
                readFully(bytes, position);
                bytes.flip();
                for (Record record : RecordBatch.wrap(bytes).records()) {
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
        return FileBatchHeader.read(channel, position, size, scratch);
    }

    /** The whole batch {@code header} describes, read into a new heap buffer. */
    RecordBatch readBatch(FileBatchHeader header) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(header.size());
        readFully(bytes, header.position());
        bytes.flip();
        return RecordBatch.wrap(bytes);
    }

    /** Calls {@code visitor} with the header of every batch in this segment, in order; the records are not read. */
    void forEachBatchHeader(Consumer<FileBatchHeader> visitor) throws IOException {
        int end = size;
        int position = 0;
        ByteBuffer scratch = FileBatchHeader.scratch();
        FileBatchHeader header;
        while ((header = FileBatchHeader.read(channel, position, end, scratch)) != null) {
            visitor.accept(header);
            position += header.size();
        }
    }

    private void readFully(ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new LogStorageException("segment " + logFile + " ended at " + at + " inside a batch");
            }
            at += n;
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
        int position = offsetIndex.lookup(offset);
        FileBatchHeader header;
        while ((header = FileBatchHeader.read(channel, position, end, scratch)) != null && header.lastOffset() < offset) {
            position += header.size();
        }
        if (header == null) {
            return 0;
        }
        long cutOffset = header.baseOffset();
        size = position;
        channel.truncate(position);
        channel.force(true);
        offsetIndex.truncateTo(cutOffset);
        timeIndex.truncateTo(cutOffset);
        nextOffset = cutOffset;
        recomputeTimestamps();
        bytesSinceLastIndexEntry = size - offsetIndex.lastPosition();
        return end - position;
    }

    private void recomputeTimestamps() throws IOException {
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = baseOffset;
        ByteBuffer scratch = FileBatchHeader.scratch();
        int position = 0;
        FileBatchHeader header;
        FileBatchHeader first = null;
        while ((header = FileBatchHeader.read(channel, position, size, scratch)) != null) {
            if (first == null) {
                first = header;
            }
            if (header.maxTimestamp() > maxTimestamp) {
                maxTimestamp = header.maxTimestamp();
                offsetOfMaxTimestamp = header.baseOffset();
            }
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
        offsetIndex.resize(config.segmentIndexBytes());
        timeIndex.resize(config.segmentIndexBytes());
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = baseOffset;
        bytesSinceLastIndexEntry = 0;
        rollingBaseMs = -1;
        int fileEnd = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        ByteBuffer scratch = FileBatchHeader.scratch();
        ByteBuffer chunk = ByteBuffer.allocateDirect(CRC_CHUNK);
        int position = 0;
        long expected = baseOffset;
        String damage = null;
        while (position < fileEnd) {
            FileBatchHeader header = FileBatchHeader.read(channel, position, fileEnd, scratch);
            if (header == null) {
                damage = "torn or mis-sized batch at position " + position;
                break;
            }
            damage = headerProblem(header, expected);
            if (damage == null && crcOf(header, chunk) != header.crc()) {
                damage = "CRC mismatch in the batch at position " + position + " (base offset " + header.baseOffset() + ")";
            }
            if (damage != null) {
                break;
            }
            indexBatch(header.baseOffset(), header.maxTimestamp(), position, header.size());
            if (rollingBaseMs < 0) {
                rollingBaseMs = header.maxTimestamp() >= 0 ? header.maxTimestamp() : nowMs;
            }
            epochs.onBatch(header.partitionLeaderEpoch(), header.baseOffset());
            position += header.size();
            expected = header.nextOffset();
        }
        if (position < fileEnd) {
            channel.truncate(position);
            channel.force(true);
        }
        size = position;
        nextOffset = expected;
        tailConsistent = true;
        return new RecoveryResult(fileEnd - position, damage);
    }

    private static String headerProblem(FileBatchHeader header, long expectedOffset) {
        if (header.magic() != RecordBatch.MAGIC) {
            return "magic " + header.magic() + " at position " + header.position();
        }
        if (header.baseOffset() != expectedOffset) {
            return "base offset " + header.baseOffset() + " at position " + header.position() + " where " + expectedOffset + " was expected";
        }
        if (header.recordCount() < 0 || header.lastOffsetDelta() < 0
                || (header.recordCount() > 0 && header.lastOffsetDelta() < header.recordCount() - 1)) {
            return "record count " + header.recordCount() + " / last offset delta " + header.lastOffsetDelta()
                    + " at position " + header.position();
        }
        if ((header.attributes() & 0x07) > 4) {
            return "unknown compression id " + (header.attributes() & 0x07) + " at position " + header.position();
        }
        return null;
    }

    private long crcOf(FileBatchHeader header, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        long at = header.position() + RecordBatch.ATTRIBUTES_OFFSET;
        long end = (long) header.position() + header.size();
        while (at < end) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - at));
            int n = channel.read(chunk, at);
            if (n < 0) {
                return -1;
            }
            chunk.flip();
            crc.update(chunk);
            at += n;
        }
        return crc.getValue();
    }

    /** fsyncs the log data only (what a durable append needs; indexes are rebuilt by recovery). */
    void flushData() throws IOException {
        channel.force(false);
    }

    /** Seals the segment when a newer one takes over and fsyncs it: {@link #seal()} then {@link #flushAll()}. */
    void becomeInactive() throws IOException {
        seal();
        flushAll();
    }

    /**
     * Seals the segment without fsyncing it: final time-index entry and indexes trimmed to their
     * entries. After this no mutation but {@link #flushAll()} happens until truncation makes the
     * segment active again, so a flusher thread may run {@code flushAll} concurrently with reads.
     */
    void seal() throws IOException {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        offsetIndex.trimToEntries();
        timeIndex.trimToEntries();
    }

    /** Grows the indexes back to their preallocated size so appends can index again. */
    void becomeActive() throws IOException {
        offsetIndex.resize(config.segmentIndexBytes());
        timeIndex.resize(config.segmentIndexBytes());
    }

    void flushAll() throws IOException {
        channel.force(true);
        offsetIndex.flush();
        timeIndex.flush();
    }

    void close() throws IOException {
        channel.close();
    }

    /** Closes and removes the segment's three files. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(logFile);
        offsetIndex.delete();
        timeIndex.delete();
    }

    @Override
    public String toString() {
        return "LogSegment(" + logFile.getFileName() + ", offsets " + baseOffset + ".." + nextOffset + ", " + size + " bytes)";
    }
}
