package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * The walk over a segment file that recovery makes, trusting nothing: each batch's framing,
 * magic, base offset (continuing from the previous batch, the first at the segment's base
 * offset), record count, compression id and CRC-32C are verified, up to the first damaged batch
 * or a tail of zeros (written ahead of the appends, see {@link SegmentDataFile}), which ends the
 * data without damage.
 * It only reads; the {@link LogSegment} indexes the verified batches and cuts the rest.
 */
final class RecoveryScan {
    private static final int CRC_CHUNK = 64 * 1024;

    /**
     * What the walk verified.
     *
     * @param validBytes where the verified batches end: the file is whole up to here
     * @param nextOffset the offset after the last verified batch (the base offset when none)
     * @param damage why the walk stopped before the file's end, or null when it did not
     */
    record Outcome(int validBytes, long nextOffset, String damage) {
    }

    private RecoveryScan() {
    }

    /**
     * Verifies the batches of {@code file}'s first {@code fileEnd} bytes, from the start, and
     * passes each verified one to {@code onVerified}, in order.
     */
    static Outcome verify(SegmentDataFile file, long baseOffset, int fileEnd, Consumer<FileBatchHeader> onVerified)
            throws IOException {
        ByteBuffer scratch = FileBatchHeader.scratch();
        ByteBuffer chunk = ByteBuffer.allocateDirect(CRC_CHUNK);
        int position = 0;
        long expected = baseOffset;
        String damage = null;
        while (position < fileEnd) {
            FileBatchHeader header = file.headerAt(position, fileEnd, scratch);
            if (header == null) {
                if (!file.zeroFrom(position, fileEnd)) {
                    damage = "torn or mis-sized batch at position " + position;
                }
                break;
            }
            damage = headerProblem(header, expected);
            if (damage == null && file.crcOf(header, chunk) != header.crc()) {
                damage = "CRC mismatch in the batch at position " + position + " (base offset " + header.baseOffset() + ")";
            }
            if (damage != null) {
                break;
            }
            onVerified.accept(header);
            position += header.size();
            expected = header.nextOffset();
        }
        return new Outcome(position, expected, damage);
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
}
