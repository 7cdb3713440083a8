package io.wharf.replication.log;

import static io.wharf.replication.log.CompactedLogs.UNLIMITED;
import static io.wharf.replication.log.CompactedLogs.assertEachKeyOnce;
import static io.wharf.replication.log.CompactedLogs.batches;
import static io.wharf.replication.log.CompactedLogs.bytes;
import static io.wharf.replication.log.CompactedLogs.compactConfig;
import static io.wharf.replication.log.CompactedLogs.keyed;
import static io.wharf.replication.log.CompactedLogs.latest;
import static io.wharf.replication.log.CompactedLogs.records;
import static io.wharf.replication.log.CompactedLogs.string;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cleanup.policy=compact on one log: what the cleaner keeps, removes and never touches. */
class LogCompactionTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    /** Appends {@code count} single-record batches cycling over {@code keys} keys; returns the model of latest values. */
    private Map<String, String> writeCycling(Log log, int count, int keys, String tag) {
        Map<String, String> model = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            String key = "key-" + (i % keys);
            String value = tag + "-" + i;
            log.appendAsLeader(keyed(clock.millis(), key, value), 0);
            model.put(key, value);
        }
        return model;
    }

    /** Every record of {@code log} before any cleaning, by offset. */
    private static Map<Long, Record> byOffset(List<Record> records) {
        Map<Long, Record> out = new LinkedHashMap<>();
        records.forEach(r -> out.put(r.offset(), r));
        return out;
    }

    @Test
    void keepsTheLatestRecordOfEveryKeyAtItsOwnOffset() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            Map<String, String> model = writeCycling(log, 60, 7, "v");
            Map<Long, Record> original = byOffset(records(log));
            long sizeBefore = log.sizeInBytes();
            CleanableSection before = log.compaction().cleanableSection(log.logEndOffset());
            assertTrue(before.dirtyBytes() > 0 && before.cleanBytes() == 0, before.toString());
            assertEquals(1.0, before.dirtyRatio());

            CleanResult result = clean(log, log.logEndOffset());

            List<Record> after = records(log);
            assertEquals(model, latest(after), "a reader from the start rebuilds every key's latest value");
            for (Record record : after) {
                assertEquals(original.get(record.offset()), record, "a kept record keeps its offset and content");
            }
            List<Record> cleaned = after.stream().filter(r -> r.offset() < result.firstDirtyOffsetAfter()).toList();
            assertEachKeyOnce(cleaned);
            assertTrue(result.recordsRemoved() > 0 && result.bytesAfter() < result.bytesBefore(), result.toString());
            assertTrue(log.sizeInBytes() < sizeBefore);
            assertEquals(0, log.compaction().cleanableSection(log.logEndOffset()).dirtyBytes(), "nothing dirty is left");
            assertEquals(60, log.logEndOffset(), "the log end does not move");
        }
    }

    @Test
    void neverTouchesTheActiveSegmentOrAnythingAtOrAboveTheHighWatermark() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            writeCycling(log, 60, 5, "v");
            long highWatermark = 30;
            List<Record> aboveBefore = records(log).stream().filter(r -> r.offset() >= highWatermark - 10).toList();

            CleanResult result = clean(log, highWatermark);

            assertTrue(result.firstDirtyOffsetAfter() <= highWatermark, result.toString());
            long activeBase = log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1);
            List<Record> after = records(log);
            List<Record> untouched = after.stream().filter(r -> r.offset() >= result.firstDirtyOffsetAfter()).toList();
            assertEquals(aboveBefore.stream().filter(r -> r.offset() >= result.firstDirtyOffsetAfter()).toList(),
                    untouched, "every record from the end of the cleaned section on is still there");
            assertTrue(after.stream().anyMatch(r -> r.offset() >= activeBase), "the active segment is whole");
            assertEquals(log.compaction().cleanableSection(highWatermark).cleanableEndOffset(), result.firstDirtyOffsetAfter());
        }
    }

    @Test
    void aReadAtARemovedOffsetGetsTheNextRecord() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            writeCycling(log, 40, 3, "v");
            clean(log, log.logEndOffset());
            List<Long> kept = records(log).stream().map(Record::offset).toList();
            long removed = java.util.stream.LongStream.range(0, 40).filter(o -> !kept.contains(o)).findFirst()
                    .orElseThrow();
            long next = kept.stream().filter(o -> o > removed).findFirst().orElseThrow();

            long offset = removed;
            Record first = null;
            while (first == null) {
                for (RecordBatch batch : RecordBatches.validateAll(log.readCopy(offset, 1000, Long.MAX_VALUE))) {
                    assertTrue(batch.lastOffset() >= offset, "the batch read holds or follows the offset asked");
                    first = first == null ? batch.records().stream().filter(r -> r.offset() >= removed).findFirst()
                            .orElse(null) : first;
                    offset = batch.nextOffset();
                }
            }
            assertEquals(next, first.offset());
        }
    }

    @Test
    void aTombstoneDeletesItsKeyAndStaysForDeleteRetentionThenGoes() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            log.appendAsLeader(keyed(clock.millis(), "gone", "v1"), 0);
            writeCycling(log, 20, 4, "a");
            log.appendAsLeader(keyed(clock.millis(), "gone", null), 0);
            writeCycling(log, 20, 4, "b");
            clean(log, log.logEndOffset());
            List<Record> afterFirst = records(log);
            assertEquals(1, afterFirst.stream().filter(r -> "gone".equals(string(r.key()))).count(),
                    "only the tombstone is left of the deleted key");
            assertTrue(latest(afterFirst).containsKey("gone") && latest(afterFirst).get("gone") == null,
                    "a reader sees the delete");

            clock.advance(1001);
            writeCycling(log, 20, 4, "c");
            clean(log, log.logEndOffset());
            assertFalse(latest(records(log)).containsKey("gone"), "past delete.retention.ms the tombstone is gone");
        }
    }

    @Test
    void minCompactionLagKeepsYoungRecordsAndMaxCompactionLagMakesTheLogDue() {
        LogConfig lagged = compactConfig().minCompactionLagMs(60_000).maxCompactionLagMs(120_000).build();
        try (Log log = Log.open(dir, lagged, clock)) {
            writeCycling(log, 40, 4, "v");
            assertEquals(0, log.compaction().cleanableSection(log.logEndOffset()).dirtyBytes(), "younger than min.compaction.lag.ms");
            assertEquals(0, clean(log, log.logEndOffset()).recordsRemoved());

            clock.advance(61_000);
            CleanableSection old = log.compaction().cleanableSection(log.logEndOffset());
            assertTrue(old.dirtyBytes() > 0 && !old.compactionDue(), old.toString());
            clock.advance(60_000);
            CleanableSection due = log.compaction().cleanableSection(log.logEndOffset());
            assertTrue(due.compactionDue() && due.worthCleaning(1.0), "past max.compaction.lag.ms: " + due);
        }
    }

    @Test
    void maxCompactionLagRollsTheActiveSegmentSoItsRecordsBecomeCleanable() {
        LogConfig lagged = compactConfig().segmentBytes(1 << 20).maxCompactionLagMs(60_000).build();
        try (Log log = Log.open(dir, lagged, clock)) {
            writeCycling(log, 10, 2, "v");
            assertEquals(1, log.segmentBaseOffsets().size(), "everything still fits the active segment");
            clock.advance(60_001);
            log.appendAsLeader(keyed(clock.millis(), "key-0", "late"), 0);
            assertEquals(List.of(0L, 10L), log.segmentBaseOffsets(), "rolled at max.compaction.lag.ms, not segment.ms");
            assertTrue(log.compaction().cleanableSection(log.logEndOffset()).compactionDue());
        }
    }

    @Test
    void theNextCleaningMapsOnlyWhatIsNewAndTheDirtyRatioSaysSo() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            writeCycling(log, 60, 5, "v");
            CleanResult first = clean(log, log.logEndOffset());
            Map<String, String> model = writeCycling(log, 20, 5, "w");
            CleanableSection section = log.compaction().cleanableSection(log.logEndOffset());
            assertEquals(first.firstDirtyOffsetAfter(), section.firstDirtyOffset());
            assertTrue(section.cleanBytes() > 0 && section.dirtyRatio() < 1, section.toString());
            assertFalse(section.worthCleaning(0.99));

            clean(log, log.logEndOffset());
            assertEquals(model, latest(records(log)));
        }
    }

    @Test
    void segmentsLeftSmallByACleaningMergeInTheNext() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            writeCycling(log, 120, 2, "v");
            CleanResult first = clean(log, log.logEndOffset());
            assertEquals(first.segmentsBefore(), first.segmentsAfter(), "full segments are rewritten one for one");
            int segmentsBefore = log.segmentBaseOffsets().size();
            writeCycling(log, 20, 2, "w");
            CleanResult second = clean(log, log.logEndOffset());
            assertTrue(second.segmentsAfter() < second.segmentsBefore(), second.toString());
            assertTrue(log.segmentBaseOffsets().size() < segmentsBefore, log.segmentBaseOffsets().toString());
            assertEquals(0L, log.segmentBaseOffsets().get(0));
        }
        try (Log reopened = Log.open(dir, compactConfig().build(), clock)) {
            assertEquals(140, reopened.logEndOffset(), "the merged segments reopen whole");
            assertEquals(Map.of("key-0", "w-18", "key-1", "w-19"), latest(records(reopened)));
        }
    }

    @Test
    void aDedupeBufferTooSmallForTheWholeDirtySectionCleansItInSeveralPasses() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            Map<String, String> model = new LinkedHashMap<>();
            for (int i = 0; i < 80; i++) {
                String key = "key-" + (i / 4);  // each key written 4 times in a row: few keys per segment
                log.appendAsLeader(keyed(clock.millis(), key, "v" + i), 0);
                model.put(key, "v" + i);
            }
            CleanerOptions small = new CleanerOptions(1024, IoThrottle.UNLIMITED);
            int passes = 0;
            while (log.compaction().cleanableSection(log.logEndOffset()).dirtyBytes() > 0) {
                CleanResult result = cleanWith(log, log.logEndOffset(), small);
                assertTrue(result.firstDirtyOffsetAfter() > result.firstDirtyOffsetBefore(), "each pass progresses");
                passes++;
            }
            assertTrue(passes > 1, "passes: " + passes);
            assertEquals(model, latest(records(log)));
            long activeBase = log.segmentBaseOffsets().get(log.segmentBaseOffsets().size() - 1);
            assertEachKeyOnce(records(log).stream().filter(r -> r.offset() < activeBase).toList());
        }
    }

    @Test
    void aDedupeBufferThatCannotHoldOneSegmentIsRefusedNamingTheSetting() {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            for (int batch = 0; batch < 3; batch++) {
                String[] keysAndValues = new String[40];
                for (int i = 0; i < 20; i++) {
                    keysAndValues[2 * i] = "distinct-key-" + batch + "-" + i;
                    keysAndValues[2 * i + 1] = "v";
                }
                log.appendAsLeader(keyed(clock.millis(), keysAndValues), 0);  // one batch per segment
            }
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> log.compaction().clean(log.logEndOffset(), new CleanerOptions(1024, IoThrottle.UNLIMITED)));
            assertTrue(e.getMessage().contains("log.cleaner.dedupe.buffer.size"), e.getMessage());
            assertEquals(60, records(log).size(), "nothing changed");
        }
    }

    @Test
    void recordsWithoutAKeyAreRefusedOnACompactedLogWithInvalidRecord() {
        LogConfig delete = compactConfig().cleanupPolicy(CleanupPolicy.DELETE).build();
        try (Log log = Log.open(dir, delete, clock)) {
            log.appendAsLeader(keyed(clock.millis(), null, "keyless is fine here"), 0);
            log.updateConfig(compactConfig().build());
            InvalidAppendException refused = assertThrows(InvalidAppendException.class,
                    () -> log.appendAsLeader(keyed(clock.millis(), "k", "v", null, "no key"), 0));
            assertEquals(ErrorCode.INVALID_RECORD, refused.errorCode());
            assertTrue(refused.getMessage().contains("record 1") && refused.getMessage().contains("cleanup.policy"),
                    refused.getMessage());
            assertEquals(1, log.logEndOffset(), "nothing of the refused batch was appended");
        }
    }

    @Test
    void compactAloneKeepsEverySegmentFromRetentionAndCompactDeleteDoesBoth() {
        RetentionPolicy tiny = new RetentionPolicy(1, 0);
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            writeCycling(log, 60, 5, "v");
            clock.advance(10_000);
            assertEquals(0, log.enforceRetention(tiny, log.logEndOffset()));
            log.updateConfig(compactConfig().cleanupPolicy(CleanupPolicy.COMPACT_DELETE).build());
            assertTrue(log.enforceRetention(tiny, log.logEndOffset()) > 0);
            assertTrue(log.compaction().cleanableSection(log.logEndOffset()).firstDirtyOffset() >= log.logStartOffset());
        }
    }

    @Test
    void anIdempotentProducersLastBatchSurvivesCleaningSoItsRetryIsStillRecognised() {
        ByteBuffer last = idempotentKeyed(9, 3, "key-0", "p3");
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            for (int seq = 0; seq < 3; seq++) {
                log.appendAsLeader(idempotentKeyed(9, seq, "key-0", "p" + seq), 0, 100);
            }
            log.appendAsLeader(copy(last), 0, 100);
            writeCycling(log, 40, 1, "later");  // key-0 again: supersedes every record of producer 9
            clean(log, log.logEndOffset());
            assertFalse(records(log).stream().anyMatch(r -> string(r.value()).startsWith("p")),
                    "the producer's records themselves are gone: " + batches(log));
        }
        try (Log reopened = Log.open(dir, compactConfig().build(), clock)) {
            LogAppendInfo retry = reopened.appendAsLeader(copy(last), 0, 100);
            assertEquals(1, retry.duplicateBatches(), "the retry of the last batch is answered, not written again");
            assertEquals(3, retry.batchBaseOffsets().get(0));
            reopened.appendAsLeader(idempotentKeyed(9, 4, "key-0", "p4"), 0, 100);
        }
    }

    @Test
    void aFollowerCopyingACompactedLeaderAcrossAFillerEndsWithTheSameLatestValues() {
        Path leaderDir = dir.resolve("leader");
        Path followerDir = dir.resolve("follower");
        try (Log leader = Log.open(leaderDir, compactConfig().build(), clock);
             Log follower = Log.open(followerDir, compactConfig().build(), clock)) {
            writeCycling(leader, 80, 3, "v");
            // the follower copied two batches before the leader compacted the records they hold away
            follower.appendAsFollower(leader.readCopy(0, 1, Long.MAX_VALUE));
            follower.appendAsFollower(leader.readCopy(1, 1, Long.MAX_VALUE));
            clean(leader, leader.logEndOffset());
            RecordBatch atFollowerEnd = RecordBatches.validateAll(leader.readCopy(2, 1, Long.MAX_VALUE)).get(0);
            assertTrue(atFollowerEnd.baseOffset() < 2 && atFollowerEnd.recordCount() == 0,
                    "the leader's filler reaches below the follower's end: " + atFollowerEnd);

            while (follower.logEndOffset() < leader.logEndOffset()) {
                follower.appendAsFollower(leader.readCopy(follower.logEndOffset(), 300, Long.MAX_VALUE));
            }
            assertEquals(latest(records(leader)), latest(records(follower)));
            clean(follower, follower.logEndOffset());
            assertEquals(latest(records(leader)), latest(records(follower)), "each replica compacts on its own");
        }
    }

    @Test
    void aTruncationStopsAThrottledCleaningAtItsNextPieceInsteadOfWaitingForIt() throws Exception {
        try (Log log = Log.open(dir, compactConfig().build(), clock)) {
            Map<String, String> model = writeCycling(log, 60, 5, "v");
            CountDownLatch throttled = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            IoThrottle blocking = bytes -> {
                throttled.countDown();
                release.await(30, TimeUnit.SECONDS);
            };
            CompletableFuture<CleanResult> cleaning = CompletableFuture.supplyAsync(
                    () -> cleanWith(log, log.logEndOffset(), new CleanerOptions(1 << 20, blocking)));
            assertTrue(throttled.await(30, TimeUnit.SECONDS));
            Thread truncating = new Thread(() -> log.truncateTo(50), "truncating");
            truncating.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> truncating.getState() == Thread.State.WAITING);
            release.countDown();

            CleanResult stopped = cleaning.get(30, TimeUnit.SECONDS);
            truncating.join(30_000);
            assertFalse(truncating.isAlive());
            assertEquals(stopped.firstDirtyOffsetBefore(), stopped.firstDirtyOffsetAfter(), "stopped: " + stopped);
            assertEquals(50, log.logEndOffset());
            model.clear();
            for (Record record : records(log)) {
                model.put(string(record.key()), string(record.value()));
            }
            assertEquals(5, model.size());
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
                assertFalse(files.anyMatch(f -> f.toString().endsWith(SegmentFileNames.CLEANED_SUFFIX)));
            }
        }
    }

    private static ByteBuffer idempotentKeyed(long producerId, int sequence, String key, String value) {
        return new RecordBatchBuilder(CompressionType.NONE).producer(producerId, (short) 0, sequence)
                .append(1_700_000_000_000L, bytes(key), bytes(value)).build();
    }

    private static ByteBuffer copy(ByteBuffer batch) {
        ByteBuffer out = ByteBuffer.allocate(batch.remaining());
        out.put(batch.duplicate());
        return out.flip();
    }

    static CleanResult clean(Log log, long highWatermark) {
        return cleanWith(log, highWatermark, UNLIMITED);
    }

    static CleanResult cleanWith(Log log, long highWatermark, CleanerOptions options) {
        try {
            return log.compaction().clean(highWatermark, options);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
