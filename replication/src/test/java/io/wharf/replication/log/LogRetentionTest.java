package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRetentionTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogConfig.Builder base() {
        return LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(1000).indexIntervalBytes(100).segmentIndexBytes(1024);
    }

    /** Appends 10-record batches, one per simulated minute, until {@code segments} segments exist. */
    private void fillSegments(Log log, int segments) {
        while (log.segmentBaseOffsets().size() < segments) {
            log.appendAsLeader(batch(CompressionType.NONE, 10, clock.millis(), "m", 20), 0);
            clock.advance(60_000);
        }
    }

    @Test
    void retentionMsDeletesSegmentsWhoseNewestRecordIsTooOldButNeverTheActiveOne() {
        RetentionPolicy tenMinutes = new RetentionPolicy(10 * 60_000L, -1);
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 6);
            assertEquals(0, log.enforceRetention(tenMinutes, Long.MAX_VALUE), "nothing is older than 10 minutes yet");
            List<Long> before = log.segmentBaseOffsets();
            clock.advance(24 * 60 * 60_000L);
            assertEquals(before.size() - 1, log.enforceRetention(tenMinutes, Long.MAX_VALUE));
            assertEquals(List.of(before.get(before.size() - 1)), log.segmentBaseOffsets(), "the active segment stays");
            assertEquals(before.get(before.size() - 1), log.logStartOffset());
            assertFalse(Files.exists(dir.resolve(SegmentFileNames.fileName(0, ".log"))));
            OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 100));
            assertEquals(log.logStartOffset(), e.logStartOffset());
            assertTrue(e.getMessage().contains("from " + log.logStartOffset()), e.getMessage());
            assertEquals(log.logStartOffset(), log.read(log.logStartOffset(), 100).firstOffset());
        }
        try (Log reopened = Log.open(dir, base().build(), clock)) {
            assertEquals(reopened.segmentBaseOffsets().get(0), reopened.logStartOffset(), "log start offset survives a restart");
        }
    }

    @Test
    void retentionMsStopsAtTheFirstSegmentStillWithinTheLimit() {
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 8);
            List<Long> before = log.segmentBaseOffsets();
            int deleted = log.enforceRetention(new RetentionPolicy(5 * 60_000L, -1), Long.MAX_VALUE);
            assertTrue(deleted > 0 && deleted < before.size() - 1, "deleted " + deleted + " of " + before);
            assertEquals(before.subList(deleted, before.size()), log.segmentBaseOffsets());
            assertEquals(before.get(deleted), log.logStartOffset());
        }
    }

    @Test
    void retentionBytesKeepsTheLogAtLeastThatBigWithoutTheDeletedSegments() {
        RetentionPolicy bytes = new RetentionPolicy(-1, 2500);
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 8);
            long sizeBefore = log.sizeInBytes();
            int deleted = log.enforceRetention(bytes, Long.MAX_VALUE);
            assertTrue(deleted > 0);
            assertTrue(log.sizeInBytes() >= 2500, "size " + log.sizeInBytes());
            assertTrue(log.sizeInBytes() < 2500 + 1000, "no more than one segment over the limit: " + log.sizeInBytes());
            assertTrue(sizeBefore > log.sizeInBytes());
            assertEquals(log.segmentBaseOffsets().get(0), log.logStartOffset());
            assertEquals(0, log.enforceRetention(bytes, Long.MAX_VALUE), "idempotent");
        }
    }

    @Test
    void retentionNeverDeletesASegmentReachingTheUpperBound() {
        RetentionPolicy deleteAll = new RetentionPolicy(0, 0);
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 5);
            clock.advance(60 * 60_000L);
            List<Long> bases = log.segmentBaseOffsets();
            assertEquals(0, log.enforceRetention(deleteAll, bases.get(1) - 1), "the oldest segment ends above the bound");
            assertEquals(1, log.enforceRetention(deleteAll, bases.get(2) - 1));
            assertEquals(bases.get(1), log.logStartOffset());
            assertEquals(2, log.enforceRetention(deleteAll, bases.get(3)), "a segment ending exactly at the bound goes");
            assertEquals(bases.subList(3, bases.size()), log.segmentBaseOffsets());
            assertEquals(1, log.enforceRetention(deleteAll, Long.MAX_VALUE));
            assertEquals(List.of(bases.get(4)), log.segmentBaseOffsets(), "never the active segment");
        }
    }

    @Test
    void aCopyReadBeforeRetentionStaysWholeAndReadsBelowTheNewStartAreOutOfRange() {
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 3);
            ByteBuffer copy = log.readCopy(0, 100_000, Long.MAX_VALUE);
            assertEquals(2, log.enforceRetention(new RetentionPolicy(-1, 0), Long.MAX_VALUE));
            assertEquals(0, RecordBatches.validateAll(copy).get(0).baseOffset(),
                    "the copy does not depend on the deleted file");
            assertThrows(OffsetOutOfRangeException.class, () -> log.readCopy(0, 100, Long.MAX_VALUE));
            assertEquals(0, log.readCopy(log.logEndOffset(), 100, Long.MAX_VALUE).remaining());
        }
    }

    @Test
    void deleteRecordsBeforeMovesTheStartAndDropsWholeSegmentsBelowIt() {
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 5);
            List<Long> bases = log.segmentBaseOffsets();
            long middle = bases.get(2) + 3;
            assertEquals(middle, log.deleteRecordsBefore(middle));
            assertEquals(bases.subList(2, bases.size()), log.segmentBaseOffsets());
            assertThrows(OffsetOutOfRangeException.class, () -> log.read(middle - 1, 100));
            LogSlice slice = log.read(middle, 100);
            assertTrue(slice.firstOffset() <= middle, "the batch holding the new start is served whole");
            assertEquals(middle, log.deleteRecordsBefore(middle - 2), "never moves backwards");
            OffsetOutOfRangeException beyond = assertThrows(OffsetOutOfRangeException.class,
                    () -> log.deleteRecordsBefore(log.logEndOffset() + 1));
            assertEquals(log.logEndOffset(), beyond.logEndOffset());
            assertEquals(log.logEndOffset(), log.deleteRecordsBefore(log.logEndOffset()));
            assertEquals(1, log.segmentBaseOffsets().size());
            assertTrue(log.read(log.logEndOffset(), 100).isEmpty());
        }
    }

    @Test
    void leftoverSegmentsBelowTheCheckpointedStartAreRemovedOnOpen() throws Exception {
        List<Long> bases;
        try (Log log = Log.open(dir, base().build(), clock)) {
            fillSegments(log, 4);
            bases = log.segmentBaseOffsets();
        }
        // a crash after the checkpoint moved the start but before the old files were deleted
        new LogOffsetsCheckpoint(dir).write(bases.get(2), 0);
        try (Log log = Log.open(dir, base().build(), clock)) {
            assertEquals(bases.get(2), log.logStartOffset());
            assertEquals(bases.subList(2, bases.size()), log.segmentBaseOffsets());
        }
    }
}
