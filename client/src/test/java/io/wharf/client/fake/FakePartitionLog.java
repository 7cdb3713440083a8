package io.wharf.client.fake;

import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** One partition's batches in the fake cluster. Guarded by the {@link FakeCluster}'s monitor. */
final class FakePartitionLog {

    final List<RecordBatch> batches = new ArrayList<>();
    long logEndOffset;
    long highWatermark;
    long logStartOffset;

    /** Appends a copy of {@code batch} at the log end; returns its base offset. */
    long append(RecordBatch batch, boolean advanceHighWatermark) {
        ByteBuffer copy = ByteBuffer.allocate(batch.sizeInBytes());
        copy.put(batch.buffer());
        copy.flip();
        RecordBatch stored = RecordBatch.wrap(copy);
        long base = logEndOffset;
        stored.setBaseOffset(base);
        batches.add(stored);
        logEndOffset = stored.nextOffset();
        if (advanceHighWatermark) {
            highWatermark = logEndOffset;
        }
        return base;
    }

    void advanceHighWatermarkToEnd() {
        highWatermark = logEndOffset;
    }

    /** Whole batches containing offsets from {@code offset} up to the HW, at most about {@code maxBytes}. */
    ByteBuffer read(long offset, int maxBytes) {
        List<RecordBatch> chosen = new ArrayList<>();
        int size = 0;
        for (RecordBatch batch : batches) {
            if (batch.nextOffset() <= offset || batch.nextOffset() > highWatermark) {
                continue;
            }
            if (!chosen.isEmpty() && size + batch.sizeInBytes() > maxBytes) {
                break;
            }
            chosen.add(batch);
            size += batch.sizeInBytes();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        chosen.forEach(b -> out.put(b.buffer()));
        out.flip();
        return out;
    }

    /** The first offset with a timestamp at or after {@code timestamp}, or -1. */
    long offsetForTimestamp(long timestamp) {
        for (RecordBatch batch : batches) {
            if (batch.maxTimestamp() >= timestamp) {
                for (Record record : batch.records()) {
                    if (record.timestamp() >= timestamp && record.offset() >= logStartOffset) {
                        return record.offset();
                    }
                }
            }
        }
        return -1;
    }

    List<Record> records() {
        List<Record> all = new ArrayList<>();
        batches.forEach(b -> all.addAll(b.records()));
        return all;
    }
}
