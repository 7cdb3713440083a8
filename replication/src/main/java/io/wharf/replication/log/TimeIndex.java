package io.wharf.replication.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from timestamps to offsets: 12-byte entries (timestamp int64, offset relative to
 * the segment base as int32). An entry (T, O) means T is the largest timestamp seen so far and
 * the batch starting at O is the first to reach it, so every batch before O has only smaller
 * timestamps. Timestamps strictly increase along the file. Single writer, concurrent readers;
 * see {@link MappedIndex}.
 */
final class TimeIndex extends MappedIndex {
    static final int ENTRY_SIZE = 12;

    TimeIndex(Path file, long baseOffset, int preallocatedBytes) throws IOException {
        super(file, baseOffset, preallocatedBytes, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(MappedByteBuffer buffer, int slot) {
        return buffer.getLong(slotPosition(slot));
    }

    private long offsetAt(MappedByteBuffer buffer, int slot) {
        return baseOffset + buffer.getInt(slotPosition(slot) + 8);
    }

    /** Adds (timestamp, offset) if the timestamp is newer than the last entry's. */
    void maybeAppend(long timestamp, long offset) {
        int n = entries();
        if (n > 0 && timestamp <= keyAt(buffer(), n - 1)) {
            return;
        }
        MappedByteBuffer buffer = buffer();
        buffer.putLong(slotPosition(n), timestamp);
        buffer.putInt(slotPosition(n) + 8, (int) (offset - baseOffset));
        publishEntry();
    }

    /** The newest entry's timestamp, or -1 when empty. */
    long lastTimestamp() {
        int n = entries();
        return n == 0 ? -1L : keyAt(buffer(), n - 1);
    }

    /** The newest entry's offset, or the base offset when empty. */
    long lastOffset() {
        int n = entries();
        return n == 0 ? baseOffset : offsetAt(buffer(), n - 1);
    }

    /**
     * An offset from which a forward scan finds the first batch with a timestamp ≥
     * {@code timestamp}: the offset of the last entry with a smaller timestamp, else the base.
     */
    long lookup(long timestamp) {
        int slot = floorSlot(timestamp, true);
        return slot < 0 ? baseOffset : offsetAt(buffer(), slot);
    }

    /** Removes entries pointing at or after {@code offset}. */
    void truncateTo(long offset) {
        MappedByteBuffer buffer = buffer();
        int keep = entries();
        while (keep > 0 && offsetAt(buffer, keep - 1) >= offset) {
            keep--;
        }
        truncateEntries(keep);
    }

    /** True when timestamps strictly and offsets weakly increase, all below {@code nextOffset}. */
    boolean isSane(long nextOffset) {
        MappedByteBuffer buffer = buffer();
        long previousTimestamp = Long.MIN_VALUE;
        long previousOffset = baseOffset;
        for (int slot = 0; slot < entries(); slot++) {
            long timestamp = keyAt(buffer, slot);
            long offset = offsetAt(buffer, slot);
            if (timestamp <= previousTimestamp || offset < previousOffset || offset >= Math.max(nextOffset, baseOffset + 1)) {
                return false;
            }
            previousTimestamp = timestamp;
            previousOffset = offset;
        }
        return true;
    }
}
