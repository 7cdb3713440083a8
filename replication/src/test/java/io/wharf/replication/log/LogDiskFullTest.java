package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatchBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk (ENOSPC) refuses an append without taking the log offline: the partial write is
 * cut back, nothing of the append is in the log, and appends succeed again once space is back.
 */
class LogDiskFullTest {
    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final FaultyFileChannels disk = new FaultyFileChannels();

    private static LogConfig config() {
        return LogConfig.builder().flushMode(FlushMode.SYNC).segmentBytes(1 << 20).build();
    }

    private static long segmentFileBytes(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    @Test
    void aFullDiskRefusesTheAppendRollsItBackAndTheLogServesAgainOnceSpaceIsFreed() throws IOException {
        Path dir = root.resolve("p-0");
        List<LogDirectoryFullException> heard = new ArrayList<>();
        List<Record> acknowledged;
        try (Log log = Log.open(dir, config(), clock, null, disk)) {
            log.faults().onDirectoryFull(heard::add);
            log.appendAsLeader(batch(3, clock.millis(), "before"), 0);
            acknowledged = TestBatches.readAll(log, 0);
            long bytes = log.sizeInBytes();

            disk.fillDisk(dir);
            LogDirectoryFullException leader = assertThrows(LogDirectoryFullException.class,
                    () -> log.appendAsLeader(batch(2, clock.millis(), "refused"), 0));
            assertThrows(LogDirectoryFullException.class,
                    () -> log.appendAsFollower(batchAt(3, "replicated")));

            assertEquals(dir, leader.directory());
            assertEquals(2, heard.size());
            assertFalse(log.faults().isOffline());
            assertEquals(3, log.logEndOffset());
            assertEquals(bytes, log.sizeInBytes());
            assertEquals(bytes, segmentFileBytes(dir), "the half-written batch and the zeros ahead of it were cut off");
            assertEquals(acknowledged, TestBatches.readAll(log, 0));

            disk.heal(dir);
            assertEquals(3, log.appendAsLeader(batch(2, clock.millis(), "after"), 0).firstOffset());
            acknowledged = TestBatches.readAll(log, 0);
        }
        try (Log reopened = Log.open(dir, config(), clock)) {
            assertEquals(acknowledged, TestBatches.readAll(reopened, 0));
            assertEquals(5, acknowledged.size(), acknowledged.toString());
        }
    }

    @Test
    void aRollTheFullDiskRefusesLeavesTheActiveSegmentAndTheNextAppendRollsOnceSpaceIsBack() throws IOException {
        Path dir = root.resolve("p-1");
        // Segments of about one batch: the second append must roll.
        LogConfig small = LogConfig.builder().flushMode(FlushMode.SYNC).segmentBytes(200).build();
        List<Record> acknowledged;
        try (Log log = Log.open(dir, small, clock, null, disk)) {
            log.appendAsLeader(batch(3, clock.millis(), "first segment"), 0);
            List<Path> filesBefore = files(dir);

            disk.fillDisk(dir);
            assertThrows(LogDirectoryFullException.class,
                    () -> log.appendAsLeader(batch(3, clock.millis(), "needs a new segment"), 0));
            assertFalse(log.faults().isOffline(), "a refused roll is a full disk, not a broken log");
            assertEquals(3, log.logEndOffset());
            assertEquals(filesBefore, files(dir), "the refused segment left no file behind");

            disk.heal(dir);
            assertEquals(3, log.appendAsLeader(batch(3, clock.millis(), "second segment"), 0).firstOffset());
            assertEquals(2, files(dir).stream().filter(f -> f.toString().endsWith(".log")).count(), files(dir).toString());
            acknowledged = TestBatches.readAll(log, 0);
        }
        try (Log reopened = Log.open(dir, small, clock)) {
            assertEquals(acknowledged, TestBatches.readAll(reopened, 0));
            assertEquals(6, acknowledged.size(), acknowledged.toString());
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.toString().matches(".*\\.(log|index|timeindex)$")).sorted().toList();
        }
    }

    /** A one-record batch as a follower gets it from its leader: at {@code baseOffset}, in epoch 1. */
    private ByteBuffer batchAt(long baseOffset, String tag) {
        return new RecordBatchBuilder(CompressionType.NONE).baseOffset(baseOffset).partitionLeaderEpoch(1)
                .append(clock.millis(), null, tag.getBytes(StandardCharsets.UTF_8)).build();
    }
}
