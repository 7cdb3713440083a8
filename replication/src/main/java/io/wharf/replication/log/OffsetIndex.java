package io.wharf.replication.log;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.file.Path;

/**
 * Sparse map from a batch's base offset to its byte position in the segment file: 8-byte entries
 * (offset relative to the segment base as int32, position int32). Single writer (the log under
 * its append lock), concurrent readers; see {@link MappedIndex}.
 */
final class OffsetIndex extends MappedIndex {
    static final int ENTRY_SIZE = 8;

    OffsetIndex(Path file, long baseOffset, int preallocatedBytes) throws IOException {
        super(file, baseOffset, preallocatedBytes, ENTRY_SIZE);
    }

    @Override
    protected long keyAt(MappedByteBuffer buffer, int slot) {
        return baseOffset + buffer.getInt(slotPosition(slot));
    }

    private int positionAt(MappedByteBuffer buffer, int slot) {
        return buffer.getInt(slotPosition(slot) + 4);
    }

    /** Records that the batch starting at {@code offset} sits at {@code position}. */
    void append(long offset, int position) {
        MappedByteBuffer buffer = buffer();
        int slot = entries();
        buffer.putInt(slotPosition(slot), (int) (offset - baseOffset));
        buffer.putInt(slotPosition(slot) + 4, position);
        publishEntry();
    }

    /** Position of the last indexed batch starting at or before {@code offset}; 0 when none. */
    int lookup(long offset) {
        int slot = floorSlot(offset, false);
        return slot < 0 ? 0 : positionAt(buffer(), slot);
    }

    /** Position of the last entry, 0 when empty. */
    int lastPosition() {
        int n = entries();
        return n == 0 ? 0 : positionAt(buffer(), n - 1);
    }

    /** Removes entries for batches at or after {@code offset}. */
    void truncateTo(long offset) {
        truncateEntries(floorSlot(offset, true) + 1);
    }

    /** True when offsets and positions strictly increase and stay inside {@code segmentSize}. */
    boolean isSane(long segmentSize) {
        MappedByteBuffer buffer = buffer();
        long previousOffset = baseOffset - 1;
        int previousPosition = 0;
        for (int slot = 0; slot < entries(); slot++) {
            long offset = keyAt(buffer, slot);
            int position = positionAt(buffer, slot);
            if (offset <= previousOffset || position <= previousPosition || position >= segmentSize) {
                return false;
            }
            previousOffset = offset;
            previousPosition = position;
        }
        return true;
    }
}
