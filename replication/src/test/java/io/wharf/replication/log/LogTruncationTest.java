package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTruncationTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogConfig config(FlushMode mode) {
        return LogConfig.builder().flushMode(mode).segmentBytes(800).indexIntervalBytes(100).segmentIndexBytes(1024).build();
    }

    @Test
    void truncateToRemovesBatchesFromTheOffsetOnAcrossSegmentsAndEpochs() {
        try (Log log = Log.open(dir, config(FlushMode.SYNC), clock)) {
            for (int i = 0; i < 30; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 3, clock.millis(), "e" + i, 20), i / 10);
            }
            assertEquals(90, log.logEndOffset());
            assertEquals(90, log.flushedOffset());
            List<Record> before = TestBatches.readAll(log, 0);
            assertTrue(log.segmentBaseOffsets().size() > 3);
            assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 30), new EpochEntry(2, 60)),
                    log.leaderEpochCache().entries());

            assertEquals(42, log.truncateTo(43), "a batch straddling the offset goes entirely");
            assertEquals(42, log.logEndOffset());
            assertEquals(42, log.flushedOffset());
            assertEquals(before.subList(0, 42), TestBatches.readAll(log, 0));
            assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 30)), log.leaderEpochCache().entries());
            assertTrue(log.segmentBaseOffsets().stream().allMatch(b -> b <= 42));

            LogAppendInfo info = log.appendAsLeader(batch(2, clock.millis(), "new"), 3);
            assertEquals(42, info.firstOffset());
            assertEquals(new EpochEndOffset(1, 42), log.endOffsetForEpoch(2));
            assertEquals(new EpochEndOffset(3, 44), log.endOffsetForEpoch(3));
            assertEquals(44, log.flushedOffset());
            assertEquals(44, log.truncateTo(100), "truncating past the end is a no-op");
        }
        try (Log reopened = Log.open(dir, config(FlushMode.SYNC), clock)) {
            assertEquals(44, reopened.logEndOffset());
            assertEquals(List.of(new EpochEntry(0, 0), new EpochEntry(1, 30), new EpochEntry(3, 42)),
                    reopened.leaderEpochCache().entries());
        }
    }

    @Test
    void truncatingAtASegmentBaseMakesThePreviousSegmentActiveAgain() {
        try (Log log = Log.open(dir, config(FlushMode.LAZY), clock)) {
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 3, clock.millis(), "s" + i, 20), 0);
            }
            List<Long> bases = log.segmentBaseOffsets();
            long cut = bases.get(2);
            assertEquals(cut, log.truncateTo(cut));
            assertEquals(bases.subList(0, 2), log.segmentBaseOffsets());
            for (int i = 0; i < 20; i++) {
                log.appendAsLeader(batch(CompressionType.NONE, 3, clock.millis(), "t" + i, 20), 1);
            }
            List<Record> all = TestBatches.readAll(log, 0);
            for (int i = 0; i < all.size(); i++) {
                assertEquals(i, all.get(i).offset());
            }
            for (Record record : all) {
                assertTrue(TestBatches.records(log.read(record.offset(), 1).toByteBuffer()).contains(record));
            }
        }
    }

    @Test
    void randomTruncationsAndAppendsMatchAModel() {
        Random random = new Random(9);
        try (Log log = Log.open(dir, config(FlushMode.LAZY), clock)) {
            List<String> model = new java.util.ArrayList<>();
            List<Long> batchStarts = new java.util.ArrayList<>();
            for (int step = 0; step < 150; step++) {
                if (random.nextInt(5) == 0 && !batchStarts.isEmpty()) {
                    long target = random.nextLong(log.logEndOffset() + 1);
                    long expected = batchStarts.stream().filter(s -> s <= target).reduce((a, b) -> b).orElse(0L);
                    if (target == log.logEndOffset()) {
                        expected = target;
                    }
                    final long end = expected;
                    assertEquals(end, log.truncateTo(target), "truncate to " + target);
                    batchStarts.removeIf(s -> s >= end);
                    model.subList((int) end, model.size()).clear();
                } else {
                    int count = 1 + random.nextInt(4);
                    batchStarts.add(log.logEndOffset());
                    log.appendAsLeader(batch(CompressionType.NONE, count, clock.millis(), "s" + step, random.nextInt(40)), 0);
                    for (int i = 0; i < count; i++) {
                        model.add("s" + step + "-" + i);
                    }
                }
                assertEquals(model.size(), log.logEndOffset());
            }
            assertEquals(model, TestBatches.readAll(log, 0).stream().map(r -> TestBatches.value(r).replaceAll("x+$", "")).toList());
        }
    }

    @Test
    void truncatingBelowTheLogStartRestartsTheLogEmptyThere() {
        try (Log log = Log.open(dir, config(FlushMode.LAZY), clock)) {
            for (int i = 0; i < 10; i++) {
                log.appendAsLeader(batch(3, clock.millis(), "x" + i), 0);
            }
            log.deleteRecordsBefore(20);
            assertEquals(15, log.truncateTo(15));
            assertEquals(15, log.logStartOffset());
            assertEquals(15, log.logEndOffset());
            assertEquals(15, log.appendAsLeader(batch(1, clock.millis(), "y"), 1).firstOffset());
        }
    }
}
