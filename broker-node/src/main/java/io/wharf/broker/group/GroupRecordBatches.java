package io.wharf.broker.group;

import io.wharf.group.GroupRecord;
import io.wharf.group.GroupRecordCodec;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Group records as log records: one record batch per coordinator operation, each group record a
 * log record whose key and value are {@link GroupRecordCodec}'s bytes (a tombstone has a null
 * value, as Kafka's compaction expects). Stateless.
 */
final class GroupRecordBatches {

    /**
     * Group records read back from the log.
     *
     * @param records    the records in log order
     * @param nextOffset the offset after the last batch read
     */
    record Decoded(List<GroupRecord> records, long nextOffset) {
    }

    private GroupRecordBatches() {
    }

    /** One batch holding {@code records} in order. */
    static ByteBuffer encode(List<GroupRecord> records, long timestampMs) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (GroupRecord record : records) {
            GroupRecordCodec.Encoded encoded = GroupRecordCodec.encode(record);
            builder.append(timestampMs, encoded.key(), encoded.value());
        }
        return builder.build();
    }

    /**
     * The group records of {@code batches} in [{@code fromOffset}, {@code toOffset}), in log order.
     *
     * @throws IllegalArgumentException when a record is not a group record (the log is corrupt)
     */
    static Decoded decode(ByteBuffer batches, long fromOffset, long toOffset) {
        List<GroupRecord> out = new ArrayList<>();
        long next = fromOffset;
        for (RecordBatch batch : RecordBatches.validateAll(batches)) {
            next = Math.max(next, batch.nextOffset());
            if (batch.isControl()) {
                continue;
            }
            for (Record record : batch.records()) {
                if (record.offset() >= fromOffset && record.offset() < toOffset) {
                    out.add(GroupRecordCodec.decode(record.key(), record.value()));
                }
            }
        }
        return new Decoded(out, next);
    }
}
