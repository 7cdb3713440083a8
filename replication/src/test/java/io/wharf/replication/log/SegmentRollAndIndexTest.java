package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatchBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentRollAndIndexTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogConfig small() {
        return LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(4000).indexIntervalBytes(300)
                .segmentIndexBytes(4096).build();
    }

    @Test
    void rollsOnSegmentBytesAndEverySegmentStartsAtItsFirstBatch() throws Exception {
        int segmentBytes = 1000;
        try (Log log = Log.open(dir, small().toBuilder().segmentBytes(segmentBytes).build(), clock)) {
            // The roll rule replayed from the append results alone: a non-empty segment rolls
            // when the next batch would take it past segment.bytes.
            List<Long> expectedBases = new ArrayList<>(List.of(0L));
            long activeBytes = 0;
            for (int i = 0; i < 40; i++) {
                LogAppendInfo info = log.appendAsLeader(batch(CompressionType.NONE, 4, clock.millis(), "r" + i, 40), 0);
                if (activeBytes > 0 && activeBytes + info.sizeInBytes() > segmentBytes) {
                    expectedBases.add(info.firstOffset());
                    activeBytes = 0;
                }
                activeBytes += info.sizeInBytes();
            }
            List<Long> bases = log.segmentBaseOffsets();
            assertTrue(bases.size() > 4, "rolled into " + bases);
            assertEquals(expectedBases, bases);
            for (long base : bases) {
                assertTrue(Files.size(dir.resolve(SegmentFileNames.fileName(base, ".log"))) <= segmentBytes);
                assertEquals(base, log.read(base, 1).firstOffset());
            }
            assertEquals(bases.get(bases.size() - 1), log.flushedOffset(),
                    "each roll fsynced the sealed segment, and nothing after the last roll is flushed");
        }
    }

    @Test
    void aChangedSegmentSizeRollsTheActiveSegmentAtTheNewSizeAndTheFlushModeCannotChange() throws Exception {
        try (Log log = Log.open(dir, small().toBuilder().segmentBytes(1 << 20).build(), clock)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 4, clock.millis(), "r" + i, 40), 0);
            }
            assertEquals(List.of(0L), log.segmentBaseOffsets());
            long activeBytes = log.sizeInBytes();

            log.updateConfig(log.config().toBuilder().segmentBytes((int) activeBytes).build());
            log.appendAsLeader(batch(CompressionType.NONE, 4, clock.millis(), "next", 40), 0);
            assertEquals(List.of(0L, 40L), log.segmentBaseOffsets(), "the full active segment rolled");
            assertEquals(activeBytes, log.config().segmentBytes());

            assertThrows(IllegalArgumentException.class,
                    () -> log.updateConfig(log.config().toBuilder().flushMode(FlushMode.SYNC).build()));
            assertEquals(FlushMode.LAZY, log.config().flushMode());
        }
    }

    @Test
    void rollsOnSegmentMsUsingTheInjectedClock() {
        LogConfig config = small().toBuilder().segmentBytes(1 << 20).segmentMs(60_000).build();
        try (Log log = Log.open(dir, config, clock)) {
            log.appendAsLeader(batch(1, clock.millis(), "a"), 0);
            clock.advance(59_999);
            log.appendAsLeader(batch(1, clock.millis(), "b"), 0);
            assertEquals(List.of(0L), log.segmentBaseOffsets());
            clock.advance(1);
            log.appendAsLeader(batch(1, clock.millis(), "c"), 0);
            assertEquals(List.of(0L, 2L), log.segmentBaseOffsets());
        }
    }

    @Test
    void segmentMsComparesRecordTimestampsSoOldTimestampsDoNotRollEveryAppend() {
        LogConfig config = small().toBuilder().segmentBytes(1 << 20).segmentMs(60_000).build();
        long dayOld = clock.millis() - 86_400_000L;
        try (Log log = Log.open(dir, config, clock)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(1, dayOld + i, "old-" + i), 0);
            }
            assertEquals(List.of(0L), log.segmentBaseOffsets(), "records a day old, 9 ms apart, belong in one segment");
            log.appendAsLeader(batch(1, dayOld + 60_000, "a minute later"), 0);
            assertEquals(List.of(0L, 10L), log.segmentBaseOffsets());
        }
    }

    @Test
    void everyOffsetAndTimestampIsFoundAcrossRollsAndReopens() {
        Random random = new Random(5);
        List<Record> expected = new ArrayList<>();
        long timestamp = clock.millis();
        try (Log log = Log.open(dir, small(), clock)) {
            for (int i = 0; i < 120; i++) {
                int count = 1 + random.nextInt(6);
                RecordBatchBuilder builder = new RecordBatchBuilder(i % 3 == 0 ? CompressionType.LZ4 : CompressionType.NONE);
                for (int r = 0; r < count; r++) {
                    timestamp += random.nextInt(3);
                    builder.append(timestamp, null, new byte[random.nextInt(80)]);
                }
                LogAppendInfo info = log.appendAsLeader(builder.build(), 0);
                expected.addAll(TestBatches.records(log.read(info.firstOffset(), 1).toByteBuffer()));
            }
            assertTrue(log.segmentBaseOffsets().size() > 5);
            checkEveryOffsetAndTimestamp(log, expected);
        }
        try (Log reopened = Log.open(dir, small(), clock)) {
            checkEveryOffsetAndTimestamp(reopened, expected);
            reopened.appendAsLeader(batch(2, timestamp, "after"), 0);
            assertEquals(expected.size() + 2, reopened.logEndOffset());
        }
    }

    private static void checkEveryOffsetAndTimestamp(Log log, List<Record> expected) {
        assertEquals(expected.size(), log.logEndOffset());
        for (Record record : expected) {
            LogSlice slice = log.read(record.offset(), 1);
            List<Record> batch = TestBatches.records(slice.toByteBuffer());
            assertTrue(batch.contains(record), "offset " + record.offset() + " read " + slice);
            Record firstAtOrAfter = expected.stream().filter(r -> r.timestamp() >= record.timestamp()).findFirst().orElseThrow();
            assertEquals(new TimestampOffset(firstAtOrAfter.timestamp(), firstAtOrAfter.offset()),
                    log.offsetForTimestamp(record.timestamp()), "timestamp " + record.timestamp());
        }
    }
}
