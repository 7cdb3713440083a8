package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The two sparse indexes of one {@link LogSegment}, {@link OffsetIndex} ({@code .index}) and
 * {@link TimeIndex} ({@code .timeindex}), with what decides their next entries: the largest batch
 * max timestamp seen so far (and the batch holding it) and the bytes appended since the last
 * entry, against {@code index.interval.bytes}.
 *
 * <p>Threading: as its segment's. Mutations come from the thread that mutates the segment;
 * lookups and {@link #maxTimestamp()} may run concurrently from readers (the indexes publish
 * complete entries only, the max timestamp is volatile).
 */
final class SegmentIndexes {
    private final Path dir;
    private final long baseOffset;
    private final LogConfig config;
    private final OffsetIndex offsetIndex;
    private final TimeIndex timeIndex;
    private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    private long offsetOfMaxTimestamp;
    private int bytesSinceLastIndexEntry;

    /** Opens the index files of the segment at {@code baseOffset}, creating them preallocated when absent. */
    SegmentIndexes(Path dir, long baseOffset, LogConfig config, String fileSuffix) throws IOException {
        this.dir = dir;
        this.baseOffset = baseOffset;
        this.config = config;
        this.offsetIndex = new OffsetIndex(file(SegmentFileNames.INDEX_SUFFIX, fileSuffix), baseOffset,
                config.segmentIndexBytes());
        this.timeIndex = new TimeIndex(file(SegmentFileNames.TIME_INDEX_SUFFIX, fileSuffix), baseOffset,
                config.segmentIndexBytes());
        this.offsetOfMaxTimestamp = baseOffset;
    }

    /** Largest batch max timestamp in the segment, or -1 when no batch carries a timestamp. */
    long maxTimestamp() {
        return maxTimestamp;
    }

    /** Whether the offset index's entries increase and point inside a file of {@code segmentSize} bytes. */
    boolean offsetIndexIsSane(long segmentSize) {
        return offsetIndex.isSane(segmentSize);
    }

    /** Whether the time index's entries increase and point below {@code nextOffset}. */
    boolean timeIndexIsSane(long nextOffset) {
        return timeIndex.isSane(nextOffset);
    }

    /** File position of the last offset-index entry, 0 when there is none. */
    int lastIndexedPosition() {
        return offsetIndex.lastPosition();
    }

    /** File position of the batch holding {@code offset} or an earlier one: where a scan for it starts. */
    int positionAtOrBefore(long offset) {
        return offsetIndex.lookup(offset);
    }

    /** An offset at or below the first record whose timestamp is ≥ {@code timestamp}: where a scan for it starts. */
    long offsetAtOrBefore(long timestamp) {
        return timeIndex.lookup(timestamp);
    }

    /** Whether the indexes can take an entry for each of {@code pendingBatches} more batches and the next one. */
    boolean haveRoomFor(int pendingBatches) {
        return offsetIndex.hasRoomFor(pendingBatches + 1) && timeIndex.hasRoomFor(pendingBatches + 2);
    }

    /**
     * Takes up the running state from the index entries of a segment opened with {@code fileSize}
     * bytes, trusting them: the time index's last entry is the max timestamp.
     */
    void resumeFromEntries(int fileSize) {
        maxTimestamp = timeIndex.lastTimestamp();
        offsetOfMaxTimestamp = timeIndex.lastOffset();
        bytesSinceLastIndexEntry = fileSize - offsetIndex.lastPosition();
    }

    /**
     * Learns of a batch written at {@code position}: adds an entry to each index when more than
     * {@code index.interval.bytes} were written since the last one.
     */
    void onBatch(long batchBaseOffset, long batchMaxTimestamp, int position, int batchSize) {
        observeTimestamp(batchMaxTimestamp, batchBaseOffset);
        if (bytesSinceLastIndexEntry > config.indexIntervalBytes() && position > 0) {
            offsetIndex.append(batchBaseOffset, position);
            if (maxTimestamp >= 0) {
                timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
            }
            bytesSinceLastIndexEntry = 0;
        }
        bytesSinceLastIndexEntry += batchSize;
    }

    /** Learns of a batch's max timestamp without indexing it (a rescan after truncation). */
    void observeTimestamp(long batchMaxTimestamp, long batchBaseOffset) {
        if (batchMaxTimestamp > maxTimestamp) {
            maxTimestamp = batchMaxTimestamp;
            offsetOfMaxTimestamp = batchBaseOffset;
        }
    }

    /**
     * Drops the entries at or after {@code cutOffset}, where the segment now ends with
     * {@code newSize} bytes, and forgets the max timestamp: the caller rescans the batches left
     * through {@link #observeTimestamp}.
     */
    void truncateTo(long cutOffset, int newSize) {
        offsetIndex.truncateTo(cutOffset);
        timeIndex.truncateTo(cutOffset);
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = baseOffset;
        bytesSinceLastIndexEntry = newSize - offsetIndex.lastPosition();
    }

    /** Empties both indexes, at their preallocated size, for a recovery that re-indexes every batch. */
    void resetForRecovery() throws IOException {
        offsetIndex.resize(config.segmentIndexBytes());
        timeIndex.resize(config.segmentIndexBytes());
        offsetIndex.reset();
        timeIndex.reset();
        maxTimestamp = RecordBatch.NO_TIMESTAMP;
        offsetOfMaxTimestamp = baseOffset;
        bytesSinceLastIndexEntry = 0;
    }

    /** Adds the final time-index entry and trims both files to their entries. */
    void seal() throws IOException {
        if (maxTimestamp >= 0) {
            timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        }
        offsetIndex.trimToEntries();
        timeIndex.trimToEntries();
    }

    /** Grows both files back to their preallocated size so appends can index again. */
    void grow() throws IOException {
        offsetIndex.resize(config.segmentIndexBytes());
        timeIndex.resize(config.segmentIndexBytes());
    }

    void flush() {
        offsetIndex.flush();
        timeIndex.flush();
    }

    /** Renames both files to the segment's names with {@code suffix}. */
    void renameSuffix(String suffix) throws IOException {
        offsetIndex.renameTo(file(SegmentFileNames.INDEX_SUFFIX, suffix));
        timeIndex.renameTo(file(SegmentFileNames.TIME_INDEX_SUFFIX, suffix));
    }

    /** The segment's index file of kind {@code kind}, named with {@code suffix}. */
    private Path file(String kind, String suffix) {
        return dir.resolve(SegmentFileNames.fileName(baseOffset, kind) + suffix);
    }

    void delete() throws IOException {
        offsetIndex.delete();
        timeIndex.delete();
    }
}
