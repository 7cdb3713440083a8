package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatch;
import java.nio.ByteBuffer;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Log#truncateFullyAndStartAt}: the log is emptied and restarted at an offset (a follower
 * whose log ends below its leader's log start does this), and reopens there, also after a crash
 * midway.
 */
class LogRestartAtOffsetTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private static LogConfig config(FlushMode mode) {
        return LogConfig.builder().flushMode(mode).segmentBytes(800).indexIntervalBytes(100).segmentIndexBytes(1024)
                .build();
    }

    @ParameterizedTest
    @EnumSource(FlushMode.class)
    void theLogIsEmptyAndStartsAtTheNewOffset(FlushMode mode) {
        try (Log log = Log.open(dir.resolve("follower"), config(mode), clock)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 3, clock.millis(), "f" + i, 20), 1);
            }
            assertTrue(log.segmentBaseOffsets().size() > 1);

            log.truncateFullyAndStartAt(500);

            assertEquals(500, log.logStartOffset());
            assertEquals(500, log.logEndOffset());
            assertEquals(500, log.flushedOffset(), "nothing below the new start needs an fsync");
            assertEquals(500, log.recoveryPoint());
            assertEquals(List.of(500L), log.segmentBaseOffsets());
            assertEquals(List.of(), log.leaderEpochCache().entries());
            assertEquals(0, log.sizeInBytes());
            assertTrue(log.read(500, 1024).isEmpty());
            OffsetOutOfRangeException below = assertThrows(OffsetOutOfRangeException.class, () -> log.read(29, 1024));
            assertEquals(500, below.logStartOffset());
            assertThrows(InvalidAppendException.class, () -> log.appendAsFollower(followerBatch(0, 2, 2)),
                    "a follower batch must continue at the new start");

            log.appendAsLeader(batch(2, clock.millis(), "after"), 3);
            assertEquals(502, log.logEndOffset());
            assertEquals(new EpochEndOffset(3, 502), log.endOffsetForEpoch(3));
        }
        try (Log reopened = Log.open(dir.resolve("follower"), config(mode), clock)) {
            assertEquals(500, reopened.logStartOffset());
            assertEquals(502, reopened.logEndOffset());
            assertEquals(List.of(new EpochEntry(3, 500)), reopened.leaderEpochCache().entries());
            assertEquals(List.of("after-0", "after-1"),
                    TestBatches.readAll(reopened, 500).stream().map(TestBatches::value).toList());
        }
    }

    @Test
    void anEmptiedLogReopensEmptyAtTheNewOffset() {
        try (Log log = Log.open(dir, config(FlushMode.SYNC), clock)) {
            log.appendAsLeader(batch(5, clock.millis(), "old"), 2);
            log.truncateFullyAndStartAt(42);
        }
        try (Log reopened = Log.open(dir, config(FlushMode.SYNC), clock)) {
            assertEquals(42, reopened.logStartOffset());
            assertEquals(42, reopened.logEndOffset());
            assertEquals(List.of(), reopened.leaderEpochCache().entries());
            assertEquals(List.of(42L), reopened.segmentBaseOffsets());
        }
    }

    @Test
    void aCrashBeforeTheOldSegmentsWereDeletedStillReopensEmptyAtTheNewOffset() throws IOException {
        Path saved = dir.resolve("saved");
        Path logDir = dir.resolve("log");
        Files.createDirectories(saved);
        try (Log log = Log.open(logDir, config(FlushMode.SYNC), clock)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 3, clock.millis(), "old" + i, 20), 1);
            }
            log.flush();
            copySegments(logDir, saved);
            log.truncateFullyAndStartAt(100);
        }
        // As if the process died after the checkpoint named the new start but before any deletion.
        copySegments(saved, logDir);
        Files.deleteIfExists(logDir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
        try (Log reopened = Log.open(logDir, config(FlushMode.SYNC), clock)) {
            assertEquals(100, reopened.logStartOffset());
            assertEquals(100, reopened.logEndOffset());
            assertEquals(List.of(100L), reopened.segmentBaseOffsets());
        }
    }

    private static ByteBuffer followerBatch(long baseOffset, int count, int epoch) {
        ByteBuffer buffer = batch(count, 0, "x");
        RecordBatch view = RecordBatch.readFrom(buffer.duplicate());
        view.setBaseOffset(baseOffset);
        view.setPartitionLeaderEpoch(epoch);
        return buffer;
    }

    private static void copySegments(Path from, Path to) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from, "*.log")) {
            for (Path file : files) {
                Files.copy(file, to.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
