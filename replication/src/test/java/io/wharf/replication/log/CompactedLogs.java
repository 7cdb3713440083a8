package io.wharf.replication.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds keyed batches and reads compacted logs back for the compaction tests. Stateless. */
final class CompactedLogs {
    static final CleanerOptions UNLIMITED = new CleanerOptions(1 << 20, IoThrottle.UNLIMITED);

    private CompactedLogs() {
    }

    /** A small-segment compacted log config with {@code delete.retention.ms} 1 s. */
    static LogConfig.Builder compactConfig() {
        return LogConfig.builder().flushMode(FlushMode.SYNC).segmentBytes(400).indexIntervalBytes(100)
                .segmentIndexBytes(1024).cleanupPolicy(CleanupPolicy.COMPACT).deleteRetentionMs(1000);
    }

    /** One batch of keyed records from alternating key, value arguments; a null value is a tombstone. */
    static ByteBuffer keyed(long timestamp, String... keysAndValues) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (int i = 0; i < keysAndValues.length; i += 2) {
            builder.append(timestamp, bytes(keysAndValues[i]), bytes(keysAndValues[i + 1]));
        }
        return builder.build();
    }

    static byte[] bytes(String s) {
        return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
    }

    static String string(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    /**
     * Every batch of the log from its start to its end, asserting on the way that each batch
     * starts where the one before it ended: compaction keeps offsets contiguous.
     */
    static List<RecordBatch> batches(Log log) {
        List<RecordBatch> out = new ArrayList<>();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            ByteBuffer read = log.readCopy(offset, 64 * 1024, Long.MAX_VALUE);
            for (RecordBatch batch : RecordBatches.validateAll(read)) {
                if (!out.isEmpty()) {
                    assertEquals(out.get(out.size() - 1).nextOffset(), batch.baseOffset(),
                            "batches contiguous: " + out.get(out.size() - 1) + " then " + batch);
                }
                out.add(batch);
                offset = batch.nextOffset();
            }
        }
        return out;
    }

    /** Every record in the log, in offset order. */
    static List<Record> records(Log log) {
        List<Record> out = new ArrayList<>();
        for (RecordBatch batch : batches(log)) {
            out.addAll(batch.records());
        }
        return out;
    }

    /** Key → latest value (null for a tombstone) as a reader from the start rebuilds it. */
    static Map<String, String> latest(List<Record> records) {
        Map<String, String> state = new LinkedHashMap<>();
        for (Record record : records) {
            state.put(string(record.key()), string(record.value()));
        }
        return state;
    }

    /** Asserts that offsets only increase and that no key appears twice among {@code records}. */
    static void assertEachKeyOnce(List<Record> records) {
        Map<String, Long> seen = new LinkedHashMap<>();
        long previous = -1;
        for (Record record : records) {
            assertTrue(record.offset() > previous, "offsets increase: " + record.offset() + " after " + previous);
            previous = record.offset();
            Long before = seen.put(string(record.key()), record.offset());
            assertEquals(null, before, "key " + string(record.key()) + " at " + before + " and " + record.offset());
        }
    }
}
