package io.wharf.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The batches log compaction writes: a batch keeping some of its records, and a filler over removed ones. */
class CompactedBatchTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void aRetainingBatchKeepsItsOffsetSpanProducerAndEachKeptRecordsOffsetAndTimestamp(CompressionType compression) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression).baseOffset(100).partitionLeaderEpoch(7)
                .producer(42, (short) 1, 10);
        for (int i = 0; i < 5; i++) {
            builder.append(1_000 + i, utf8("k" + i), i == 3 ? null : utf8("v" + i),
                    List.of(new Header("h", utf8("x" + i))));
        }
        RecordBatch original = builder.buildBatch();
        List<Record> kept = List.of(original.records().get(1), original.records().get(3));

        RecordBatch rewritten = RecordBatch.readFrom(RecordBatchBuilder.retaining(original, kept));

        assertTrue(rewritten.isValid(), "CRC recomputed");
        assertEquals(compression, rewritten.compressionType());
        assertEquals(100, rewritten.baseOffset());
        assertEquals(104, rewritten.lastOffset(), "the batch still spans the offsets it had");
        assertEquals(7, rewritten.partitionLeaderEpoch());
        assertEquals(42, rewritten.producerId());
        assertEquals(10, rewritten.baseSequence());
        assertEquals(14, rewritten.lastSequence(), "the producer's sequences are those of the whole batch");
        assertEquals(original.maxTimestamp(), rewritten.maxTimestamp());
        assertEquals(kept, rewritten.records());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void recordKeysDecodeOffsetTimestampKeyAndTombstoneAsRecordsDoes(CompressionType compression) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression).baseOffset(40);
        builder.append(500, utf8("a"), utf8("x".repeat(300)), List.of(new Header("h", utf8("y"))));
        builder.append(480, null, utf8("keyless"));
        builder.append(510, utf8("b"), null);
        RecordBatch batch = builder.buildBatch();
        List<RecordKey> keys = batch.recordKeys();
        List<Record> records = batch.records();
        assertEquals(3, keys.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(records.get(i).offset(), keys.get(i).offset());
            assertEquals(records.get(i).timestamp(), keys.get(i).timestamp());
            assertTrue(java.util.Arrays.equals(records.get(i).key(), keys.get(i).key()));
            assertEquals(records.get(i).value() == null, keys.get(i).tombstone());
        }
    }

    @Test
    void anEmptyRetainingBatchCarriesOnlyTheHeader() {
        RecordBatch original = new RecordBatchBuilder(CompressionType.ZSTD).baseOffset(5).producer(3, (short) 0, 0)
                .append(1, utf8("k"), utf8("v")).append(2, utf8("k"), utf8("w")).buildBatch();
        RecordBatch empty = RecordBatch.readFrom(RecordBatchBuilder.retaining(original, List.of()));
        assertEquals(0, empty.recordCount());
        assertEquals(RecordBatch.HEADER_SIZE, empty.sizeInBytes());
        assertEquals(6, empty.lastOffset());
        assertEquals(1, empty.lastSequence());
        assertEquals(List.of(), empty.records());
    }

    @Test
    void aFillerSpansItsOffsetsWithNoRecordsProducerOrTimestamp() {
        RecordBatch filler = RecordBatch.readFrom(RecordBatchBuilder.filler(10, 19, 4));
        assertEquals(10, filler.baseOffset());
        assertEquals(20, filler.nextOffset());
        assertEquals(0, filler.recordCount());
        assertEquals(4, filler.partitionLeaderEpoch());
        assertEquals(RecordBatch.NO_PRODUCER_ID, filler.producerId());
        assertEquals(RecordBatch.NO_TIMESTAMP, filler.maxTimestamp());
        assertThrows(IllegalArgumentException.class, () -> RecordBatchBuilder.filler(10, 9, 0));
        assertThrows(IllegalArgumentException.class, () -> RecordBatchBuilder.filler(0, 1L << 32, 0));
    }
}
