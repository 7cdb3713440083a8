package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static io.wharf.replication.log.TestBatches.records;
import static io.wharf.replication.log.TestBatches.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogAppendReadTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private Log log;

    @BeforeEach
    void open() {
        log = Log.open(dir, LogConfig.builder().flushMode(FlushMode.LAZY).maxMessageBytes(64 * 1024).build(), clock);
    }

    @AfterEach
    void close() {
        log.close();
    }

    @Test
    void leaderAppendAssignsOffsetsAndStampsTheEpochInPlace() {
        ByteBuffer first = batch(3, clock.millis(), "a");
        LogAppendInfo info = log.appendAsLeader(first, 5);
        assertEquals(0, info.firstOffset());
        assertEquals(2, info.lastOffset());
        assertEquals(3, log.logEndOffset());
        ByteBuffer two = ByteBuffer.allocate(1024);
        two.put(batch(2, clock.millis(), "b")).put(batch(4, clock.millis(), "c")).flip();
        LogAppendInfo second = log.appendAsLeader(two, 5);
        assertEquals(3, second.firstOffset());
        assertEquals(8, second.lastOffset());
        assertEquals(2, second.batchCount());

        List<RecordBatch> stored = RecordBatches.validateAll(log.read(0, 1 << 20).toByteBuffer());
        assertEquals(List.of(0L, 3L, 5L), stored.stream().map(RecordBatch::baseOffset).toList());
        stored.forEach(b -> assertEquals(5, b.partitionLeaderEpoch()));
        assertEquals(3, RecordBatch.wrap(first.duplicate().rewind()).recordCount());
        List<Record> all = TestBatches.readAll(log, 0);
        assertEquals(9, all.size());
        for (int i = 0; i < all.size(); i++) {
            assertEquals(i, all.get(i).offset());
        }
        assertEquals("c-3", value(all.get(8)));
        assertEquals(List.of(new EpochEntry(5, 0)), log.leaderEpochCache().entries());
    }

    @Test
    void readsReturnWholeBatchesWithinTheByteLimitButAlwaysAtLeastOne() {
        for (int i = 0; i < 10; i++) {
            log.appendAsLeader(batch(CompressionType.NONE, 10, clock.millis(), "b" + i, 50), 1);
        }
        int batchSize = RecordBatch.wrap(log.read(0, 1).toByteBuffer()).sizeInBytes();
        LogSlice one = log.read(0, 1);
        assertEquals(1, one.batchCount(), "a limit below one batch still returns one batch");
        LogSlice three = log.read(15, 3 * batchSize + batchSize / 2);
        assertEquals(3, three.batchCount());
        assertEquals(10, three.firstOffset(), "the batch holding offset 15 starts at 10");
        assertEquals(40, three.nextOffset());
        assertEquals(3 * batchSize, three.sizeInBytes());
        List<Record> records = records(three.toByteBuffer());
        assertEquals(10, records.get(0).offset());

        LogSlice bounded = log.read(0, 1 << 20, 35);
        assertEquals(30, bounded.nextOffset(), "only batches ending below the bound");
        assertTrue(log.read(30, 1 << 20, 35).isEmpty());
        assertTrue(log.read(100, 1000).isEmpty(), "reading at the log end is empty");
        OffsetOutOfRangeException beyond = assertThrows(OffsetOutOfRangeException.class, () -> log.read(101, 1000));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, beyond.errorCode());
        assertEquals(100, beyond.logEndOffset());
    }

    @Test
    void slicesExposeTheFileRegionForZeroCopySends() throws Exception {
        log.appendAsLeader(batch(5, clock.millis(), "z"), 0);
        LogSlice slice = log.read(0, 4096);
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        assertEquals(slice.sizeInBytes(), slice.transferTo(Channels.newChannel(sink)));
        assertEquals(slice.toByteBuffer(), ByteBuffer.wrap(sink.toByteArray()));
        assertTrue(slice.position() + slice.sizeInBytes() <= slice.channel().size(), "a region of the file");
        ByteBuffer direct = ByteBuffer.allocateDirect(8192);
        slice.readInto(direct);
        assertEquals(slice.sizeInBytes(), direct.position());
    }

    @Test
    void followerAppendKeepsOffsetsAndEpochsAndDemandsContiguity() {
        ByteBuffer leaderCopy = new RecordBatchBuilder(CompressionType.LZ4).baseOffset(0).partitionLeaderEpoch(3)
                .append(1, null, new byte[] {1}).append(2, null, new byte[] {2}).build();
        log.appendAsFollower(leaderCopy);
        ByteBuffer next = new RecordBatchBuilder(CompressionType.NONE).baseOffset(2).partitionLeaderEpoch(4)
                .append(3, null, new byte[] {3}).build();
        log.appendAsFollower(next);
        assertEquals(3, log.logEndOffset());
        assertEquals(List.of(new EpochEntry(3, 0), new EpochEntry(4, 2)), log.leaderEpochCache().entries());

        ByteBuffer gap = new RecordBatchBuilder(CompressionType.NONE).baseOffset(7).partitionLeaderEpoch(4)
                .append(3, null, null).build();
        InvalidAppendException e = assertThrows(InvalidAppendException.class, () -> log.appendAsFollower(gap));
        assertTrue(e.getMessage().contains("continues at 3"), e.getMessage());
        assertEquals(3, log.logEndOffset());
        assertEquals(new EpochEndOffset(3, 2), log.endOffsetForEpoch(3));
        assertEquals(new EpochEndOffset(4, 3), log.endOffsetForEpoch(9));
    }

    private void assertRefusedAndUnchanged(Class<? extends RuntimeException> type, ByteBuffer input, String messagePart) {
        long endBefore = log.logEndOffset();
        long sizeBefore = log.sizeInBytes();
        RuntimeException e = assertThrows(type, () -> log.appendAsLeader(input, 1));
        assertTrue(e.getMessage().contains(messagePart), e.getMessage());
        assertEquals(endBefore, log.logEndOffset(), "log end offset unchanged");
        assertEquals(sizeBefore, log.sizeInBytes(), "no bytes written");
    }

    private ByteBuffer goodThen(Consumer<ByteBuffer> damage) {
        ByteBuffer good = batch(2, clock.millis(), "good");
        ByteBuffer bad = batch(3, clock.millis(), "bad");
        damage.accept(bad);
        ByteBuffer both = ByteBuffer.allocate(good.remaining() + bad.remaining());
        both.put(good).put(bad).flip();
        return both;
    }

    @Test
    void badInputIsRefusedWithASpecificErrorAndTheLogIsUnchanged() {
        log.appendAsLeader(batch(2, clock.millis(), "first"), 1);
        assertRefusedAndUnchanged(CorruptRecordException.class,
                goodThen(b -> b.put(b.limit() - 1, (byte) (b.get(b.limit() - 1) ^ 0x40))), "CRC_MISMATCH");
        assertRefusedAndUnchanged(CorruptRecordException.class,
                goodThen(b -> b.put(RecordBatch.MAGIC_OFFSET, (byte) 1)), "UNSUPPORTED_MAGIC");
        assertRefusedAndUnchanged(CorruptRecordException.class,
                goodThen(b -> b.putInt(RecordBatch.LENGTH_OFFSET, 5000)), "TRUNCATED");
        assertRefusedAndUnchanged(CorruptRecordException.class,
                goodThen(b -> b.putInt(RecordBatch.RECORD_COUNT_OFFSET, -1)), "record count is negative");
        ByteBuffer huge = batch(CompressionType.NONE, 1, clock.millis(), "huge", 70 * 1024);
        assertRefusedAndUnchanged(RecordTooLargeException.class, huge, "max.message.bytes");
        assertRefusedAndUnchanged(InvalidAppendException.class, ByteBuffer.allocate(0), "at least one batch");
        assertEquals(2, TestBatches.readAll(log, 0).size());
        assertEquals(List.of(new EpochEntry(1, 0)), log.leaderEpochCache().entries());
    }

    @Test
    void staleLeaderEpochIsFenced() {
        log.appendAsLeader(batch(1, clock.millis(), "a"), 7);
        InvalidAppendException e = assertThrows(InvalidAppendException.class,
                () -> log.appendAsLeader(batch(1, clock.millis(), "b"), 6));
        assertEquals(ErrorCode.FENCED_LEADER_EPOCH, e.errorCode());
        assertEquals(1, log.logEndOffset());
    }

    @Test
    void lookupByTimestampFindsTheFirstRecordAtOrAfterIt() {
        long t0 = clock.millis();
        for (int i = 0; i < 20; i++) {
            RecordBatchBuilder builder = new RecordBatchBuilder(i % 2 == 0 ? CompressionType.NONE : CompressionType.GZIP);
            for (int r = 0; r < 5; r++) {
                builder.append(t0 + i * 100 + r * 10, null, new byte[] {(byte) r});
            }
            log.appendAsLeader(builder.build(), 0);
        }
        assertEquals(new TimestampOffset(t0, 0), log.offsetForTimestamp(t0 - 5));
        assertEquals(new TimestampOffset(t0 + 520, 27), log.offsetForTimestamp(t0 + 515));
        assertEquals(new TimestampOffset(t0 + 1940, 99), log.offsetForTimestamp(t0 + 1940));
        assertEquals(null, log.offsetForTimestamp(t0 + 1941));
    }

    @Test
    void segmentFilesUseTwentyDigitBaseOffsets() {
        log.appendAsLeader(batch(1, clock.millis(), "a"), 0);
        assertTrue(Files.exists(dir.resolve("00000000000000000000.log")));
        assertTrue(Files.exists(dir.resolve("00000000000000000000.index")));
        assertTrue(Files.exists(dir.resolve("00000000000000000000.timeindex")));
    }
}
