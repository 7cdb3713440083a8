package io.wharf.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RecordBatchRoundTripTest {
    private static final String[] UNICODE = {"", "a", "héllo", "日本語のキー", "emoji 🚢⚓", "\u0000nul", "Ωmega"};

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void randomBatchesDecodeToWhatWasEncoded(CompressionType compression) {
        Random random = new Random(42 + compression.ordinal());
        for (int iteration = 0; iteration < 150; iteration++) {
            long baseTimestamp = random.nextBoolean() ? RecordBatch.NO_TIMESTAMP : 1_600_000_000_000L + random.nextInt(1_000_000);
            int count = 1 + random.nextInt(iteration % 10 == 0 ? 300 : 12);
            long producerId = random.nextBoolean() ? RecordBatch.NO_PRODUCER_ID : random.nextLong() & Long.MAX_VALUE;
            short producerEpoch = (short) random.nextInt(Short.MAX_VALUE);
            int baseSequence = random.nextInt(1_000_000);
            boolean transactional = random.nextBoolean();
            RecordBatchBuilder builder = new RecordBatchBuilder(compression)
                    .producer(producerId, producerEpoch, baseSequence)
                    .transactional(transactional);
            List<Record> expected = new ArrayList<>();
            long maxTimestamp = RecordBatch.NO_TIMESTAMP;
            for (int i = 0; i < count; i++) {
                long timestamp = baseTimestamp == RecordBatch.NO_TIMESTAMP ? RecordBatch.NO_TIMESTAMP
                        : baseTimestamp + random.nextInt(20_000) - 10_000;
                if (i == 0) {
                    timestamp = baseTimestamp;
                }
                maxTimestamp = Math.max(maxTimestamp, timestamp);
                byte[] key = randomBytes(random);
                byte[] value = randomBytes(random);
                List<Header> headers = new ArrayList<>();
                int headerCount = random.nextInt(4);
                for (int h = 0; h < headerCount; h++) {
                    headers.add(new Header(UNICODE[random.nextInt(UNICODE.length)], randomBytes(random)));
                }
                builder.append(timestamp, key, value, headers);
                expected.add(new Record(i, timestamp, key, value, headers));
            }
            ByteBuffer encoded = builder.build();
            RecordBatch batch = RecordBatch.readFrom(encoded);
            assertFalse(encoded.hasRemaining(), "readFrom consumes the whole batch");
            assertEquals(compression, batch.compressionType());
            assertEquals(count, batch.recordCount());
            assertEquals(count - 1, batch.lastOffsetDelta());
            assertEquals(baseTimestamp, batch.baseTimestamp());
            assertEquals(maxTimestamp, batch.maxTimestamp());
            assertEquals(producerId, batch.producerId());
            assertEquals(producerEpoch, batch.producerEpoch());
            assertEquals(baseSequence, batch.baseSequence());
            assertEquals(transactional, batch.isTransactional());
            assertEquals(TimestampType.CREATE_TIME, batch.timestampType());
            assertEquals(expected, batch.records());

            long newBase = random.nextLong() >>> 2;
            int epoch = random.nextInt(Integer.MAX_VALUE);
            batch.setBaseOffset(newBase);
            batch.setPartitionLeaderEpoch(epoch);
            assertTrue(batch.isValid(), "stamping offset and epoch keeps the CRC valid");
            assertEquals(newBase, batch.baseOffset());
            assertEquals(epoch, batch.partitionLeaderEpoch());
            assertEquals(newBase + count - 1, batch.lastOffset());
            List<Record> restamped = batch.records();
            for (int i = 0; i < count; i++) {
                assertEquals(newBase + i, restamped.get(i).offset());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void compressionActuallyShrinksRepetitiveRecords(CompressionType compression) {
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
        byte[] value = "the same value again and again ".repeat(30).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 50; i++) {
            builder.append(1000L + i, null, value);
        }
        int plainSize = builder.estimatedSizeInBytes();
        RecordBatch batch = builder.buildBatch();
        if (compression == CompressionType.NONE) {
            assertEquals(plainSize, batch.sizeInBytes());
        } else {
            assertTrue(batch.sizeInBytes() < plainSize / 4, compression + " size " + batch.sizeInBytes());
        }
        assertEquals(50, batch.records().size());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void controlAndLogAppendTimeBitsRoundTrip(CompressionType compression) {
        RecordBatch batch = new RecordBatchBuilder(compression)
                .control(true)
                .timestampType(TimestampType.LOG_APPEND_TIME)
                .append(10, "k".getBytes(StandardCharsets.UTF_8), new byte[0])
                .append(30, null, null)
                .buildBatch();
        assertTrue(batch.isControl());
        assertFalse(batch.isTransactional());
        assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
        List<Record> records = batch.records();
        assertEquals(30, records.get(0).timestamp(), "log-append-time records carry the batch max timestamp");
        assertEquals(0, records.get(0).value().length);
        assertEquals(null, records.get(1).key());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void concatenatedBatchesAreWalkedInOrder(CompressionType compression) {
        ByteBuffer all = ByteBuffer.allocate(64 * 1024);
        for (int b = 0; b < 5; b++) {
            RecordBatchBuilder builder = new RecordBatchBuilder(compression).baseOffset(b * 10L);
            for (int i = 0; i < 10; i++) {
                builder.append(i, null, ("v" + b + i).getBytes(StandardCharsets.UTF_8));
            }
            all.put(builder.build());
        }
        all.flip();
        List<RecordBatch> batches = RecordBatches.validateAll(all);
        assertEquals(5, batches.size());
        assertEquals(0, all.position(), "validateAll does not move the position");
        ByteBuffer cut = all.duplicate();
        cut.limit(all.limit() - 3);
        int walked = 0;
        for (RecordBatch batch : RecordBatches.iterate(cut)) {
            assertEquals(walked * 10L, batch.baseOffset());
            walked++;
        }
        assertEquals(4, walked, "iterate stops before the cut batch");
    }

    private static byte[] randomBytes(Random random) {
        int kind = random.nextInt(6);
        if (kind == 0) {
            return null;
        }
        if (kind == 1) {
            return new byte[0];
        }
        if (kind == 2) {
            return UNICODE[random.nextInt(UNICODE.length)].getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[random.nextInt(kind == 5 ? 5000 : 64)];
        random.nextBytes(bytes);
        return bytes;
    }
}
