package io.wharf.replication.log;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds batches for log tests. Stateless. */
final class TestBatches {
    private TestBatches() {
    }

    /** A producer batch of {@code count} records "v&lt;tag&gt;-&lt;i&gt;" all stamped {@code timestamp}. */
    static ByteBuffer batch(int count, long timestamp, String tag) {
        return batch(CompressionType.NONE, count, timestamp, tag, 0);
    }

    static ByteBuffer batch(CompressionType compression, int count, long timestamp, String tag, int padding) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
        for (int i = 0; i < count; i++) {
            builder.append(timestamp, ("k" + i).getBytes(StandardCharsets.UTF_8),
                    (tag + "-" + i + "x".repeat(padding)).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    /** A batch of {@code count} records from idempotent producer {@code producerId} (epoch 0) starting at {@code sequence}. */
    static ByteBuffer idempotent(long producerId, int sequence, int count, long timestamp, String tag) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(producerId, (short) 0, sequence);
        for (int i = 0; i < count; i++) {
            builder.append(timestamp, null, (tag + "-" + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    /** Batches concatenated into one buffer, as one request carries them. */
    static ByteBuffer concat(ByteBuffer... batches) {
        ByteBuffer out = ByteBuffer.allocate(java.util.Arrays.stream(batches).mapToInt(ByteBuffer::remaining).sum());
        for (ByteBuffer batch : batches) {
            out.put(batch.duplicate());
        }
        return out.flip();
    }

    /** Every record in a buffer of batches, decoded and CRC-checked. */
    static List<Record> records(ByteBuffer batches) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch batch : RecordBatches.validateAll(batches)) {
            out.addAll(batch.records());
        }
        return out;
    }

    static String value(Record record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    /** Reads the whole log from {@code from} to its end, batch by batch. */
    static List<Record> readAll(Log log, long from) {
        List<Record> out = new ArrayList<>();
        long offset = from;
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, 64 * 1024);
            out.addAll(records(slice.toByteBuffer()));
            offset = slice.nextOffset();
        }
        return out;
    }
}
