package io.wharf.record;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Walks a buffer holding zero or more concatenated batches (a produce request, a fetch response,
 * a slice of a segment). Stateless; the iterators it returns are single-threaded.
 */
public final class RecordBatches {
    private RecordBatches() {
    }

    /**
     * Validates every batch in the remaining bytes of {@code buffer} (framing, magic, count, CRC)
     * without moving its position.
     *
     * @return views of the batches, in order
     * @throws CorruptRecordException for the first batch that breaks a rule, or a partial batch at
     *     the end
     */
    public static List<RecordBatch> validateAll(ByteBuffer buffer) {
        ByteBuffer cursor = buffer.duplicate();
        List<RecordBatch> batches = new ArrayList<>();
        while (cursor.hasRemaining()) {
            batches.add(RecordBatch.readFrom(cursor));
        }
        return batches;
    }

    /**
     * Iterates the complete batches in the remaining bytes of {@code buffer}, checking headers but
     * not CRCs, and stops quietly at a partial batch at the end (fetch responses may cut one).
     * The buffer's position is not moved.
     */
    public static Iterable<RecordBatch> iterate(ByteBuffer buffer) {
        return () -> new Iterator<>() {
            private final ByteBuffer cursor = buffer.duplicate();
            private RecordBatch next = advance();

            private RecordBatch advance() {
                if (cursor.remaining() < RecordBatch.LOG_OVERHEAD) {
                    return null;
                }
                int length = cursor.getInt(cursor.position() + RecordBatch.LENGTH_OFFSET);
                if (length >= 0 && (long) length + RecordBatch.LOG_OVERHEAD > cursor.remaining()) {
                    return null;
                }
                RecordBatch batch = RecordBatch.readUnverified(cursor);
                cursor.position(cursor.position() + batch.sizeInBytes());
                return batch;
            }

            @Override
            public boolean hasNext() {
                return next != null;
            }

            @Override
            public RecordBatch next() {
                if (next == null) {
                    throw new NoSuchElementException();
                }
                RecordBatch current = next;
                next = advance();
                return current;
            }
        };
    }
}
