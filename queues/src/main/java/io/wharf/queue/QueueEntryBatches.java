package io.wharf.queue;

import com.google.protobuf.InvalidProtocolBufferException;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.record.CompressionType;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Queue entries as log records: each entry is the value of one keyless record in a Kafka v2 batch.
 * Stateless.
 */
public final class QueueEntryBatches {

    private QueueEntryBatches() {
    }

    /** One uncompressed batch holding {@code entries} in order, all stamped {@code timestampMs}. */
    public static ByteBuffer encode(List<QueueEntry> entries, long timestampMs) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (QueueEntry entry : entries) {
            builder.append(timestampMs, null, entry.toByteArray());
        }
        return builder.build();
    }

    /**
     * The entries of {@code batches} (as the log returns them) in [{@code fromOffset}, {@code endOffset}),
     * in log order. Control batches are skipped. The buffer's position is not moved.
     *
     * @throws CorruptRecordException when a batch is malformed, or a record's value is not a queue entry
     *                                (the message names its offset): the log is corrupt
     */
    public static List<LoggedQueueEntry> decode(ByteBuffer batches, long fromOffset, long endOffset) {
        List<LoggedQueueEntry> entries = new ArrayList<>();
        for (RecordBatch batch : RecordBatches.validateAll(batches)) {
            if (batch.baseOffset() >= endOffset) {
                break;
            }
            if (batch.isControl() || batch.lastOffset() < fromOffset) {
                continue;
            }
            for (Record record : batch.records()) {
                if (record.offset() >= fromOffset && record.offset() < endOffset) {
                    entries.add(new LoggedQueueEntry(record.offset(), record.timestamp(),
                            parse(record.offset(), record.value())));
                }
            }
        }
        return entries;
    }

    private static QueueEntry parse(long offset, byte[] value) {
        if (value == null) {
            throw corrupt(offset, "it has no value", null);
        }
        QueueEntry entry;
        try {
            entry = QueueEntry.parseFrom(value);
        } catch (InvalidProtocolBufferException e) {
            throw corrupt(offset, e.getMessage(), e);
        }
        // An entry of a kind this version does not know parses as an empty one: applying it as a no-op
        // would let this replica's state drift from the writer's.
        if (entry.getEntryCase() == QueueEntry.EntryCase.ENTRY_NOT_SET) {
            throw corrupt(offset, "it holds no known entry", null);
        }
        return entry;
    }

    private static CorruptRecordException corrupt(long offset, String why, Throwable cause) {
        return new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                "queue log record at offset " + offset + " is not a QueueEntry: " + why, cause);
    }
}
