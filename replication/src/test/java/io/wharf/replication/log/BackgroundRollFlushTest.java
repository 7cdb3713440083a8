package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * flush.mode=lazy with a flush executor: a rolled segment is fsynced by a task the test steps by
 * hand ({@link ManualExecutor}); the recovery point and flushed offset must wait for that task.
 * Races with a flush in progress use an fsync that blocks until the test releases it.
 */
class BackgroundRollFlushTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final ManualExecutor flusher = new ManualExecutor();
    /** Base offsets of the segments fsynced through the tracker, in order, by any thread. */
    private final List<Long> fsynced = Collections.synchronizedList(new ArrayList<>());
    private final RecoveryPointTracker.SegmentFsync recordingFsync = segment -> {
        segment.flushAll();
        fsynced.add(segment.baseOffset());
    };

    /** One appended batch: the segment it went to, its bytes there and its offsets. */
    private record Placed(long segmentBase, long start, long end, long firstOffset, long nextOffset) {
    }

    private static LogConfig lazy() {
        return LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(600).indexIntervalBytes(200)
                .segmentIndexBytes(2048).build();
    }

    private Log open(Path dir, RecoveryPointTracker.SegmentFsync fsync) {
        return Log.open(dir, lazy(), clock, flusher, fsync);
    }

    /** Appends until the log has {@code segments} segments; returns where every batch landed. */
    private List<Placed> appendUntilSegments(Log log, int segments) {
        List<Placed> placed = new ArrayList<>();
        int i = 0;
        while (log.segmentBaseOffsets().size() < segments) {
            LogAppendInfo info = log.appendAsLeader(batch(1 + i % 3, clock.millis(), "v" + i), 0);
            List<Long> bases = log.segmentBaseOffsets();
            long base = bases.get(bases.size() - 1);
            long start = placed.isEmpty() || placed.get(placed.size() - 1).segmentBase() != base
                    ? 0 : placed.get(placed.size() - 1).end();
            placed.add(new Placed(base, start, start + info.sizeInBytes(), info.firstOffset(), info.nextOffset()));
            i++;
        }
        return placed;
    }

    private static long checkpointedRecoveryPoint(Path dir) {
        return new LogOffsetsCheckpoint(dir).read().recoveryPoint();
    }

    @Test
    void rollAdvancesTheRecoveryPointOnlyAfterTheBackgroundFlushRuns() {
        Path dir = root.resolve("log");
        try (Log log = open(dir, recordingFsync)) {
            appendUntilSegments(log, 2);
            long activeBase = log.segmentBaseOffsets().get(1);

            assertEquals(1, flusher.queued(), "the roll handed its fsync to the executor");
            assertEquals(List.of(), fsynced, "nothing was fsynced on the appending thread");
            assertEquals(1, log.pendingRollFlushes());
            assertEquals(0, log.recoveryPoint());
            assertEquals(0, checkpointedRecoveryPoint(dir));
            assertEquals(0, log.flushedOffset());

            flusher.runNext();

            assertEquals(List.of(0L), fsynced);
            assertEquals(0, log.pendingRollFlushes());
            assertEquals(activeBase, log.recoveryPoint());
            assertEquals(activeBase, checkpointedRecoveryPoint(dir));
            assertEquals(activeBase, log.flushedOffset());
        }
    }

    @Test
    void flushesCompletingOutOfOrderAdvanceTheRecoveryPointOnlyOverAnUnbrokenPrefix() {
        Path dir = root.resolve("log");
        try (Log log = open(dir, recordingFsync)) {
            appendUntilSegments(log, 4);
            List<Long> bases = log.segmentBaseOffsets();
            assertEquals(3, flusher.queued());

            flusher.take(1).run();
            assertEquals(List.of(bases.get(1)), fsynced);
            assertEquals(0, log.recoveryPoint(), "segment 0 is not durable yet");
            assertEquals(0, checkpointedRecoveryPoint(dir));
            assertEquals(0, log.flushedOffset());

            flusher.runNext();
            assertEquals(bases.get(2), log.recoveryPoint());
            assertEquals(bases.get(2), checkpointedRecoveryPoint(dir));
            assertEquals(bases.get(2), log.flushedOffset());

            flusher.runNext();
            assertEquals(bases.get(3), log.recoveryPoint());
            assertEquals(bases.get(3), log.flushedOffset());
        }
    }

    @Test
    void closeFlushesRolledSegmentsWhoseTaskHasNotRunAndTheTasksThenDoNothing() {
        Path dir = root.resolve("log");
        Log log = open(dir, recordingFsync);
        appendUntilSegments(log, 3);
        List<Long> bases = log.segmentBaseOffsets();
        List<Record> all = TestBatches.readAll(log, 0);
        long end = log.logEndOffset();

        log.close();

        assertEquals(bases.subList(0, 2), fsynced, "close fsynced both rolled segments itself");
        assertEquals(end, checkpointedRecoveryPoint(dir));
        assertTrue(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)));
        assertDoesNotThrow(flusher::runAll);
        assertEquals(bases.subList(0, 2), fsynced, "late tasks found nothing to do");
        try (Log reopened = Log.open(dir, lazy(), clock, flusher)) {
            assertEquals(all, TestBatches.readAll(reopened, 0));
        }
    }

    @Test
    void explicitFlushCoversRolledSegmentsWhoseTaskHasNotRun() {
        Path dir = root.resolve("log");
        try (Log log = open(dir, recordingFsync)) {
            appendUntilSegments(log, 3);
            List<Long> bases = log.segmentBaseOffsets();

            assertEquals(log.logEndOffset(), log.flush());

            assertEquals(bases.subList(0, 2), fsynced);
            assertEquals(bases.get(2), checkpointedRecoveryPoint(dir));
            assertEquals(0, log.pendingRollFlushes());
            flusher.runAll();
            assertEquals(bases.subList(0, 2), fsynced);
        }
    }

    /** Holds the fsync of the flusher thread until {@link #release} opens; other threads fsync at once. */
    private static final class BlockingFsync implements RecoveryPointTracker.SegmentFsync {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Long> completed = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void fsync(LogSegment segment) throws IOException {
            if (Thread.currentThread().getName().equals("test-flusher")) {
                entered.countDown();
                try {
                    assertTrue(release.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the test never released the fsync");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted in the test fsync", e);
                }
            }
            segment.flushAll();
            completed.add(segment.baseOffset());
        }
    }

    /** Runs {@code action} on a new thread named {@code name}, keeping whatever it throws. */
    private static Thread start(String name, Runnable action, AtomicReference<Throwable> failure) {
        Thread thread = new Thread(() -> {
            try {
                action.run();
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }, name);
        thread.start();
        return thread;
    }

    /** Starts the oldest queued flush on a flusher thread and returns once it is inside the fsync. */
    private Thread startFlushInProgress(BlockingFsync fsync, AtomicReference<Throwable> failure) throws InterruptedException {
        Thread thread = start("test-flusher", flusher::runNext, failure);
        assertTrue(fsync.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));
        return thread;
    }

    private static void awaitBlocked(Thread thread) {
        await().atMost(WAIT).until(() -> thread.getState() == Thread.State.WAITING);
    }

    @Test
    void closeWaitsForAFlushInProgress() throws Exception {
        Path dir = root.resolve("log");
        BlockingFsync fsync = new BlockingFsync();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Log log = open(dir, fsync);
        appendUntilSegments(log, 2);
        long end = log.logEndOffset();
        Thread flusherThread = startFlushInProgress(fsync, failure);

        Thread closer = start("closer", log::close, failure);
        awaitBlocked(closer);
        assertTrue(closer.isAlive());
        assertFalse(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)), "close finished before the fsync");
        assertEquals(0, checkpointedRecoveryPoint(dir));

        fsync.release.countDown();
        closer.join(WAIT.toMillis());
        flusherThread.join(WAIT.toMillis());
        assertFalse(closer.isAlive());
        assertNull(failure.get());
        assertEquals(List.of(0L), fsync.completed, "one fsync of the rolled segment, by the flusher");
        assertEquals(end, checkpointedRecoveryPoint(dir));
        assertTrue(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)));
    }

    @Test
    void truncationIntoASegmentWithAFlushInProgressWaitsForItThenTheLogCarriesOn() throws Exception {
        Path dir = root.resolve("log");
        BlockingFsync fsync = new BlockingFsync();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Log log = open(dir, fsync)) {
            List<Placed> placed = appendUntilSegments(log, 3);
            List<Record> all = TestBatches.readAll(log, 0);
            long cut = placed.get(1).nextOffset();
            Thread flusherThread = startFlushInProgress(fsync, failure);

            Thread truncater = start("truncater", () -> log.truncateTo(cut), failure);
            awaitBlocked(truncater);
            assertEquals(3, log.segmentBaseOffsets().size(), "truncation waited before touching segments");

            fsync.release.countDown();
            truncater.join(WAIT.toMillis());
            flusherThread.join(WAIT.toMillis());
            assertNull(failure.get());
            assertEquals(cut, log.logEndOffset());
            assertEquals(List.of(0L), log.segmentBaseOffsets());
            assertTrue(log.recoveryPoint() <= cut && log.flushedOffset() <= cut,
                    "recovery point " + log.recoveryPoint() + ", flushed " + log.flushedOffset());
            assertEquals(all.subList(0, (int) cut), TestBatches.readAll(log, 0));
            flusher.runAll();
            assertNull(failure.get());

            appendUntilSegments(log, 2);
            flusher.runAll();
            assertEquals(log.segmentBaseOffsets().get(1), log.recoveryPoint());
        }
    }

    @Test
    void truncationCancelsQueuedFlushesOfTheSegmentsItCutOrDeletes() {
        Path dir = root.resolve("log");
        try (Log log = open(dir, recordingFsync)) {
            List<Placed> placed = appendUntilSegments(log, 4);
            List<Long> bases = log.segmentBaseOffsets();
            List<Record> all = TestBatches.readAll(log, 0);
            long cut = placed.stream().filter(p -> p.segmentBase() == bases.get(1)).findFirst().orElseThrow().nextOffset();
            assertEquals(3, flusher.queued());

            log.truncateTo(cut);

            assertEquals(bases.subList(0, 2), log.segmentBaseOffsets());
            assertEquals(1, log.pendingRollFlushes(), "only segment 0 still waits for its fsync");
            assertEquals(0, log.recoveryPoint());
            assertDoesNotThrow(flusher::runAll);
            assertEquals(List.of(0L), fsynced, "the cancelled tasks fsynced nothing");
            assertEquals(cut, log.recoveryPoint(), "segment 0 fsynced, and the truncation fsynced what it left of segment 1");
            assertEquals(cut, checkpointedRecoveryPoint(dir));
            assertEquals(all.subList(0, (int) cut), TestBatches.readAll(log, 0));
        }
    }

    @Test
    void truncationBelowTheLogStartCancelsEveryQueuedFlush() {
        Path dir = root.resolve("log");
        try (Log log = open(dir, recordingFsync)) {
            appendUntilSegments(log, 3);
            log.deleteRecordsBefore(log.segmentBaseOffsets().get(1) + 1);
            assertEquals(1, log.pendingRollFlushes(), "segment 0 was deleted with its queued flush");

            log.truncateTo(log.segmentBaseOffsets().get(1) - 1);

            assertEquals(0, log.pendingRollFlushes());
            assertDoesNotThrow(flusher::runAll);
            assertEquals(List.of(), fsynced);
        }
    }

    @Test
    void retentionDeletingSegmentsWithQueuedFlushesCancelsThem() {
        Path dir = root.resolve("log");
        try (Log log = Log.open(dir, lazy(), clock, flusher, recordingFsync)) {
            appendUntilSegments(log, 4);
            long activeBase = log.segmentBaseOffsets().get(3);
            assertEquals(3, flusher.queued());

            assertEquals(3, log.enforceRetention(new RetentionPolicy(-1, 1), Long.MAX_VALUE));

            assertEquals(List.of(activeBase), log.segmentBaseOffsets());
            assertEquals(0, log.pendingRollFlushes());
            assertEquals(activeBase, log.recoveryPoint(), "nothing below the log start needs an fsync");
            assertEquals(activeBase, checkpointedRecoveryPoint(dir));
            assertDoesNotThrow(flusher::runAll);
            assertEquals(List.of(), fsynced, "no task touched a deleted segment");
        }
    }

    @Test
    void deletingRecordsPastASegmentWithAFlushInProgressWaitsForIt() throws Exception {
        Path dir = root.resolve("log");
        BlockingFsync fsync = new BlockingFsync();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Log log = open(dir, fsync)) {
            appendUntilSegments(log, 3);
            List<Long> bases = log.segmentBaseOffsets();
            Thread flusherThread = startFlushInProgress(fsync, failure);

            Thread deleter = start("deleter", () -> log.deleteRecordsBefore(bases.get(1)), failure);
            awaitBlocked(deleter);
            assertEquals(bases, log.segmentBaseOffsets(), "deletion waited for the fsync in progress");

            fsync.release.countDown();
            deleter.join(WAIT.toMillis());
            flusherThread.join(WAIT.toMillis());
            assertNull(failure.get());
            assertEquals(bases.subList(1, 3), log.segmentBaseOffsets());
            assertEquals(bases.get(1), log.logStartOffset());
            assertEquals(bases.get(1), log.recoveryPoint(), "segment 1 still waits for its fsync");
            flusher.runAll();
            assertEquals(bases.get(2), log.recoveryPoint());
            assertNull(failure.get());
        }
    }

    /**
     * A failed background fsync is never retried (a retry may report success for pages the first
     * fsync lost): it takes the log offline on the flusher's thread without reaching the executor,
     * and the recovery point stays below the segment.
     */
    @Test
    void aFailedBackgroundFlushTakesTheLogOfflineAndIsNeverRetried() throws Exception {
        Path dir = root.resolve("log");
        AtomicInteger attempts = new AtomicInteger();
        RecoveryPointTracker.SegmentFsync failing = segment -> {
            attempts.incrementAndGet();
            throw new IOException("injected fsync failure");
        };
        List<String> listenedOn = Collections.synchronizedList(new ArrayList<>());
        Log log = open(dir, failing);
        log.faults().onOffline(e -> listenedOn.add(Thread.currentThread().getName()));
        appendUntilSegments(log, 2);
        List<Record> all = TestBatches.readAll(log, 0);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        start("test-flusher", flusher::runNext, failure).join(WAIT.toMillis());

        assertNull(failure.get(), "a background failure never reaches the caller's executor");
        assertEquals(List.of("test-flusher"), listenedOn, "told once, on the thread that hit the fault");
        assertTrue(log.faults().isOffline());
        assertEquals(1, log.pendingRollFlushes());
        assertEquals(0, log.recoveryPoint());
        assertEquals(0, checkpointedRecoveryPoint(dir));
        assertEquals(0, log.flushedOffset());

        LogOfflineException refused = assertThrows(LogOfflineException.class, log::flush);
        assertTrue(refused.getMessage().contains("injected fsync failure"), refused.getMessage());
        assertDoesNotThrow(log::close);
        assertEquals(1, attempts.get(), "neither flush nor close retried the failed fsync");
        assertFalse(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)), "an offline log is not closed cleanly");
        try (Log reopened = Log.open(dir, lazy(), clock)) {
            assertEquals(all, TestBatches.readAll(reopened, 0));
        }
    }

    @Test
    void aRejectingExecutorMakesTheRollFlushInline() {
        Path dir = root.resolve("log");
        try (Log log = Log.open(dir, lazy(), clock, task -> {
            throw new RejectedExecutionException("executor shut down");
        }, recordingFsync)) {
            appendUntilSegments(log, 2);
            assertEquals(List.of(0L), fsynced);
            assertEquals(log.segmentBaseOffsets().get(1), log.recoveryPoint());
            assertEquals(log.segmentBaseOffsets().get(1), log.flushedOffset());
        }
    }

    @Test
    void syncModeNeverUsesTheFlushExecutor() {
        Path dir = root.resolve("log");
        LogConfig config = lazy().toBuilder().flushMode(FlushMode.SYNC).build();
        try (Log log = Log.open(dir, config, clock, flusher, recordingFsync)) {
            appendUntilSegments(log, 3);
            assertEquals(0, flusher.queued());
            assertEquals(0, log.pendingRollFlushes());
            assertEquals(log.segmentBaseOffsets().get(2), log.recoveryPoint());
            assertEquals(log.logEndOffset(), log.flushedOffset());
        }
    }

    @Test
    void appendsRollingUnderARealFlusherThreadKeepEveryRecord() throws Exception {
        Path dir = root.resolve("log");
        ExecutorService pool = Executors.newSingleThreadExecutor();
        List<Record> all;
        try (Log log = Log.open(dir, lazy(), clock, pool)) {
            appendUntilSegments(log, 30);
            all = TestBatches.readAll(log, 0);
            long activeBase = log.segmentBaseOffsets().get(29);
            await().atMost(WAIT).until(() -> log.pendingRollFlushes() == 0);
            assertEquals(activeBase, log.recoveryPoint());
            assertEquals(activeBase, checkpointedRecoveryPoint(dir));
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(WAIT.toSeconds(), TimeUnit.SECONDS));
        }
        try (Log reopened = Log.open(dir, lazy(), clock)) {
            assertEquals(all, TestBatches.readAll(reopened, 0));
        }
    }

    // --- crash recovery with background flushes still pending -------------------------------

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path file : files) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    /** The log end after recovery when the damage starts at byte {@code damageAt} of segment {@code base}. */
    private static long intactEnd(List<Placed> placed, long base, long damageAt) {
        long end = 0;
        for (Placed batch : placed) {
            if (batch.segmentBase() < base || (batch.segmentBase() == base && batch.end() <= damageAt)) {
                end = batch.nextOffset();
            }
        }
        return end;
    }

    /**
     * A crash image taken while rolled segments still wait for their background fsync has the
     * recovery point below them, so recovery re-verifies them: flipping any CRC-covered byte or
     * cutting them anywhere keeps exactly the whole batches before the damage.
     */
    @Test
    void uncleanStopWithFlushesPendingKeepsExactlyTheIntactPrefix() throws IOException {
        Random random = new Random(4242);
        Path live = root.resolve("live");
        try (Log log = open(live, recordingFsync)) {
            List<Placed> placed = appendUntilSegments(log, 4);
            List<Long> bases = log.segmentBaseOffsets();
            flusher.take(2).run();
            assertEquals(0, checkpointedRecoveryPoint(live), "segments 0 and 1 still wait for their fsync");
            List<Record> all = TestBatches.readAll(log, 0);
            List<Placed> pendingBatches = placed.stream().filter(p -> p.segmentBase() < bases.get(2)).toList();

            for (int round = 0; round < 40; round++) {
                Path image = root.resolve("image" + round);
                copyDirectory(live, image);
                Placed victim = pendingBatches.get(random.nextInt(pendingBatches.size()));
                Path segmentFile = image.resolve(SegmentFileNames.fileName(victim.segmentBase(), SegmentFileNames.LOG_SUFFIX));
                long damageAt;
                try (RandomAccessFile file = new RandomAccessFile(segmentFile.toFile(), "rw")) {
                    if (round % 2 == 0) {
                        damageAt = victim.start() + random.nextInt((int) (victim.end() - victim.start()));
                        file.setLength(damageAt);
                    } else {
                        damageAt = victim.start() + RecordBatch.ATTRIBUTES_OFFSET
                                + random.nextInt((int) (victim.end() - victim.start()) - RecordBatch.ATTRIBUTES_OFFSET);
                        file.seek(damageAt);
                        int original = file.read();
                        file.seek(damageAt);
                        file.write(original ^ (1 + random.nextInt(255)));
                    }
                }
                long expectedEnd = intactEnd(placed, victim.segmentBase(), damageAt);
                try (Log recovered = Log.open(image, lazy(), clock)) {
                    assertEquals(expectedEnd, recovered.logEndOffset(), "round " + round + ": damage at byte " + damageAt
                            + " of segment " + victim.segmentBase());
                    assertEquals(all.subList(0, (int) expectedEnd), TestBatches.readAll(recovered, 0), "round " + round);
                    assertTrue(recovered.segmentBaseOffsets().stream().allMatch(b -> b <= victim.segmentBase()),
                            "round " + round + ": segments after the damage survived: " + recovered.segmentBaseOffsets());
                }
            }
        }
    }
}
