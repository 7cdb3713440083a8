package io.wharf.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchValidationTest {

    private static ByteBuffer batch(CompressionType compression) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
        for (int i = 0; i < 20; i++) {
            builder.append(1000 + i, ("key" + i).getBytes(StandardCharsets.UTF_8),
                    ("value " + i).getBytes(StandardCharsets.UTF_8), List.of(new Header("h", new byte[] {(byte) i})));
        }
        return builder.build();
    }

    private static CorruptRecordException refused(ByteBuffer buffer) {
        int position = buffer.position();
        CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> RecordBatch.readFrom(buffer));
        assertEquals(position, buffer.position(), "a refused batch does not move the buffer");
        assertEquals(ErrorCode.CORRUPT_RECORD, e.errorCode());
        return e;
    }

    private static void rewriteCrc(ByteBuffer buffer) {
        CRC32C crc = new CRC32C();
        ByteBuffer covered = buffer.duplicate();
        covered.position(RecordBatch.ATTRIBUTES_OFFSET);
        crc.update(covered);
        buffer.putInt(RecordBatch.CRC_OFFSET, (int) crc.getValue());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everySingleByteFlipInTheCrcCoveredRangeIsDetected(CompressionType compression) {
        ByteBuffer original = batch(compression);
        Random random = new Random(11);
        for (int position = RecordBatch.CRC_OFFSET; position < original.limit(); position++) {
            ByteBuffer copy = ByteBuffer.allocate(original.limit()).put(original.duplicate()).flip();
            copy.put(position, (byte) (copy.get(position) ^ (1 + random.nextInt(255))));
            CorruptRecordException e = assertThrows(CorruptRecordException.class, () -> RecordBatch.readFrom(copy),
                    "flip at " + position);
            assertTrue(e.problem() == CorruptRecordException.Problem.CRC_MISMATCH
                            || e.problem() == CorruptRecordException.Problem.INVALID_RECORD_COUNT
                            || e.problem() == CorruptRecordException.Problem.UNKNOWN_COMPRESSION,
                    "flip at " + position + " gave " + e.problem());
        }
    }

    @Test
    void badCrcIsRefusedWithTheStoredAndComputedValues() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.put(buffer.limit() - 1, (byte) (buffer.get(buffer.limit() - 1) + 1));
        CorruptRecordException e = refused(buffer);
        assertEquals(CorruptRecordException.Problem.CRC_MISMATCH, e.problem());
        assertTrue(e.getMessage().contains("stored CRC"), e.getMessage());
    }

    @Test
    void wrongMagicIsRefused() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.put(RecordBatch.MAGIC_OFFSET, (byte) 1);
        CorruptRecordException e = refused(buffer);
        assertEquals(CorruptRecordException.Problem.UNSUPPORTED_MAGIC, e.problem());
        assertTrue(e.getMessage().contains("magic byte is 1"), e.getMessage());
    }

    @Test
    void lengthRunningPastTheBufferIsRefused() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.putInt(RecordBatch.LENGTH_OFFSET, buffer.limit());
        CorruptRecordException e = refused(buffer);
        assertEquals(CorruptRecordException.Problem.TRUNCATED, e.problem());
        assertTrue(e.getMessage().contains("runs past the buffer"), e.getMessage());

        ByteBuffer cut = batch(CompressionType.NONE);
        cut.limit(cut.limit() - 1);
        assertEquals(CorruptRecordException.Problem.TRUNCATED, refused(cut).problem());
    }

    @Test
    void lengthSmallerThanTheHeaderIsRefused() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.putInt(RecordBatch.LENGTH_OFFSET, 10);
        assertEquals(CorruptRecordException.Problem.INVALID_LENGTH, refused(buffer).problem());
    }

    @Test
    void negativeRecordCountIsRefusedEvenWithAMatchingCrc() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.putInt(RecordBatch.RECORD_COUNT_OFFSET, -3);
        rewriteCrc(buffer);
        CorruptRecordException e = refused(buffer);
        assertEquals(CorruptRecordException.Problem.INVALID_RECORD_COUNT, e.problem());
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
    }

    @Test
    void recordCountDisagreeingWithTheRecordsIsRefusedOnDecode() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.putInt(RecordBatch.RECORD_COUNT_OFFSET, 19);
        rewriteCrc(buffer);
        RecordBatch batch = RecordBatch.readFrom(buffer);
        assertEquals(CorruptRecordException.Problem.INVALID_RECORD_COUNT,
                assertThrows(CorruptRecordException.class, batch::records).problem());

        ByteBuffer tooMany = batch(CompressionType.NONE);
        tooMany.putInt(RecordBatch.RECORD_COUNT_OFFSET, 21);
        rewriteCrc(tooMany);
        assertThrows(CorruptRecordException.class, () -> RecordBatch.readFrom(tooMany).records());
    }

    @Test
    void unknownCompressionIdIsRefused() {
        ByteBuffer buffer = batch(CompressionType.NONE);
        buffer.putShort(RecordBatch.ATTRIBUTES_OFFSET, (short) 6);
        rewriteCrc(buffer);
        assertEquals(CorruptRecordException.Problem.UNKNOWN_COMPRESSION, refused(buffer).problem());
    }

    @ParameterizedTest
    @EnumSource(value = CompressionType.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
    void garbageCompressedSectionWithValidCrcIsRefusedOnDecode(CompressionType compression) {
        ByteBuffer buffer = batch(compression);
        for (int i = RecordBatch.RECORDS_OFFSET; i < buffer.limit(); i++) {
            buffer.put(i, (byte) (i * 31));
        }
        rewriteCrc(buffer);
        RecordBatch batch = RecordBatch.readFrom(buffer);
        assertEquals(CorruptRecordException.Problem.MALFORMED_RECORDS,
                assertThrows(CorruptRecordException.class, batch::records).problem());
    }

    @Test
    void stampingFieldsOutsideTheCrcKeepsItValid() {
        RecordBatch batch = RecordBatch.wrap(batch(CompressionType.LZ4));
        long crcBefore = batch.checksum();
        batch.setBaseOffset(123_456_789L);
        batch.setPartitionLeaderEpoch(77);
        assertTrue(batch.isValid());
        assertEquals(crcBefore, batch.checksum());
        batch.buffer().put(RecordBatch.PRODUCER_ID_OFFSET, (byte) 9);
        assertFalse(batch.isValid(), "fields after the CRC are covered");
    }

    @Test
    void builderRefusesEmptyAndReusedBatches() {
        assertThrows(IllegalStateException.class, () -> new RecordBatchBuilder(CompressionType.NONE).build());
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).append(1, null, null);
        builder.build();
        assertThrows(IllegalStateException.class, builder::build);
        assertThrows(IllegalStateException.class, () -> builder.append(1, null, null));
    }

    @Test
    void compressionTypesKeepKafkaIdsAndNames() {
        assertEquals(0, CompressionType.NONE.id());
        assertEquals(1, CompressionType.GZIP.id());
        assertEquals(2, CompressionType.SNAPPY.id());
        assertEquals(3, CompressionType.LZ4.id());
        assertEquals(4, CompressionType.ZSTD.id());
        assertEquals(CompressionType.ZSTD, CompressionType.forName("ZSTD"));
        assertThrows(IllegalArgumentException.class, () -> CompressionType.forName("brotli"));
    }
}
