package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wharf.record.Record;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk faults injected through {@link FaultyFileChannels}: the first failed write or fsync takes
 * the log offline for good, tells its listeners once, and a reopen on a healthy disk finds
 * everything that was fsynced.
 */
class LogStorageFaultTest {
    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private final FaultyFileChannels disk = new FaultyFileChannels();
    /** Every notification of every listener the test registered: the fault and the thread it ran on. */
    private final List<Notified> notified = Collections.synchronizedList(new ArrayList<>());

    private record Notified(LogOfflineException fault, Thread thread) {
    }

    private static LogConfig config(FlushMode mode) {
        return LogConfig.builder().flushMode(mode).segmentBytes(1 << 20).build();
    }

    private Log open(Path dir, LogConfig config) {
        Log log = Log.open(dir, config, clock, null, disk);
        log.faults().onOffline(fault -> notified.add(new Notified(fault, Thread.currentThread())));
        return log;
    }

    private static void appendSome(Log log, int batches) {
        for (int i = 0; i < batches; i++) {
            log.appendAsLeader(batch(3, 1_700_000_000_000L, "ok" + i), 0);
        }
    }

    /** Every call that must refuse an offline log, each as it would be made on a healthy one. */
    private static List<Executable> callsAnOfflineLogRefuses(Log log) {
        return List.of(
                () -> log.appendAsLeader(batch(1, 1_700_000_000_000L, "late"), 0),
                () -> log.appendAsFollower(batch(1, 1_700_000_000_000L, "late")),
                () -> log.read(0, 1024),
                () -> log.readCopy(0, 1024, Long.MAX_VALUE),
                () -> log.offsetForTimestamp(0),
                log::flush,
                () -> log.truncateTo(1),
                () -> log.truncateFullyAndStartAt(0),
                () -> log.deleteRecordsBefore(1),
                () -> log.enforceRetention(new RetentionPolicy(0, 0), Long.MAX_VALUE));
    }

    /** File descriptors this process holds on files in {@code dir} (Linux only). */
    private static long openFilesIn(Path dir) throws IOException {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                try {
                    return Files.readSymbolicLink(fd).startsWith(dir);
                } catch (NoSuchFileException closedWhileListing) {
                    return false;
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot resolve file descriptor " + fd, e);
                }
            }).count();
        }
    }

    @Test
    void aFailedWriteTakesTheLogOfflineAndEveryLaterCallIsRefused() throws IOException {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "counting open files needs /proc");
        Path dir = root.resolve("p-0");
        Log log = open(dir, config(FlushMode.SYNC));
        appendSome(log, 3);
        List<Record> acknowledged = TestBatches.readAll(log, 0);

        disk.failWrites(dir);
        LogOfflineException fault = assertThrows(LogOfflineException.class,
                () -> log.appendAsLeader(batch(2, clock.millis(), "lost"), 0));

        assertTrue(log.faults().isOffline());
        assertEquals(dir, fault.directory());
        assertTrue(fault.getMessage().contains(dir.toString()) && fault.getMessage().contains("injected write failure"),
                fault.getMessage());
        assertInstanceOf(IOException.class, fault.getCause());
        assertEquals(List.of(new Notified(fault, Thread.currentThread())), notified, "told once, on the appending thread");

        disk.heal(dir);
        for (Executable call : callsAnOfflineLogRefuses(log)) {
            LogOfflineException refused = assertThrows(LogOfflineException.class, call);
            assertEquals(fault.getMessage(), refused.getMessage());
        }
        assertEquals(1, notified.size(), "later refusals tell nobody");
        List<LogOfflineException> late = new ArrayList<>();
        log.faults().onOffline(late::add);
        assertEquals(List.of(fault), late, "a listener registered afterwards learns of the fault at once");

        assertTrue(openFilesIn(dir) > 0);
        assertDoesNotThrow(log::close);
        assertEquals(0, openFilesIn(dir), "close released the segment files");
        assertFalse(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)));
        try (Log reopened = Log.open(dir, config(FlushMode.SYNC), clock)) {
            assertFalse(reopened.faults().isOffline());
            assertEquals(acknowledged, TestBatches.readAll(reopened, 0));
            reopened.appendAsLeader(batch(1, clock.millis(), "after"), 0);
        }
    }

    @Test
    void aFailedSyncFsyncFailsTheAppendWithoutAdvancingTheFlushedOffset() {
        Path dir = root.resolve("p-0");
        List<Record> fsynced;
        long flushedBefore;
        try (Log log = open(dir, config(FlushMode.SYNC))) {
            appendSome(log, 3);
            fsynced = TestBatches.readAll(log, 0);
            flushedBefore = log.flushedOffset();

            disk.failFsyncs(dir);
            LogOfflineException fault = assertThrows(LogOfflineException.class,
                    () -> log.appendAsLeader(batch(2, clock.millis(), "unflushed"), 0));

            assertTrue(fault.getMessage().contains("injected fsync failure"), fault.getMessage());
            assertEquals(flushedBefore + 2, log.logEndOffset(), "the batch was written, only its fsync failed");
            assertEquals(flushedBefore, log.flushedOffset(), "flushed offset passed what an fsync covered");
            assertTrue(log.faults().isOffline());
            assertEquals(1, notified.size());
            assertSame(fault, notified.get(0).fault());
        }
        try (Log reopened = Log.open(dir, config(FlushMode.SYNC), clock)) {
            assertTrue(reopened.logEndOffset() >= flushedBefore);
            assertEquals(fsynced, TestBatches.readAll(reopened, 0).subList(0, (int) flushedBefore),
                    "everything fsynced before the fault is back");
        }
    }

    /**
     * Appenders waiting on an fsync that fails must not retry it: a second fsync could report
     * success for pages the first one lost. All of them fail and the listener runs once.
     */
    @Test
    void appendersSharingAFailedFsyncAllFailAndNoneRetriesIt() throws Exception {
        Path dir = root.resolve("p-0");
        int threads = 4;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Log log = open(dir, config(FlushMode.SYNC))) {
            appendSome(log, 2);
            long flushedBefore = log.flushedOffset();
            disk.slowFsyncs(dir, Duration.ofMillis(50));
            disk.failFsyncs(dir);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> appenders = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                appenders.add(pool.submit(() -> {
                    start.await();
                    return log.appendAsLeader(batch(1, clock.millis(), "t" + thread), 0);
                }));
            }
            start.countDown();
            for (Future<?> appender : appenders) {
                ExecutionException failed = assertThrows(ExecutionException.class, () -> appender.get(30, TimeUnit.SECONDS));
                assertInstanceOf(LogOfflineException.class, failed.getCause());
            }
            assertEquals(1, disk.injectedFailures(), "exactly one fsync was attempted");
            assertEquals(1, notified.size());
            assertEquals(flushedBefore, log.flushedOffset());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedFsyncAtARollTakesTheLogOffline() {
        Path dir = root.resolve("p-0");
        LogConfig rollsOften = config(FlushMode.LAZY).toBuilder().segmentBytes(600).build();
        try (Log log = open(dir, rollsOften)) {
            appendSome(log, 2);
            disk.failFsyncs(dir);
            assertThrows(LogOfflineException.class, () -> appendSome(log, 20));
            assertEquals(List.of(0L), log.segmentBaseOffsets(), "the roll stopped at the sealed segment's fsync");
            assertEquals(0, log.flushedOffset());
            assertEquals(1, notified.size());
        }
    }

    @Test
    void aFailedFsyncInATruncationTakesTheLogOffline() {
        Path dir = root.resolve("p-0");
        try (Log log = open(dir, config(FlushMode.LAZY))) {
            appendSome(log, 4);
            disk.failFsyncs(dir);
            LogOfflineException fault = assertThrows(LogOfflineException.class, () -> log.truncateTo(3));
            assertTrue(fault.getMessage().contains("truncation to offset 3"), fault.getMessage());
            assertTrue(log.faults().isOffline());
            assertEquals(1, notified.size());
        }
    }

    @Test
    void aFaultInOneLogDirectoryLeavesTheOthersOnlineAndAParentRuleCoversAllItsLogs() {
        Path logDir = root.resolve("data");
        try (Log a = open(logDir.resolve("a-0"), config(FlushMode.SYNC));
             Log b = open(logDir.resolve("b-0"), config(FlushMode.SYNC))) {
            disk.failWrites(logDir.resolve("a-0"));
            assertThrows(LogOfflineException.class, () -> appendSome(a, 1));
            appendSome(b, 1);
            assertFalse(b.faults().isOffline());

            disk.failFsyncs(logDir);
            assertThrows(LogOfflineException.class, () -> appendSome(b, 1));
            assertTrue(b.faults().isOffline());
            assertEquals(List.of(a.directory(), b.directory()), notified.stream().map(n -> n.fault().directory()).toList());
        }
    }

    @Test
    void aFailingListenerNeitherHidesTheFaultNorKeepsOthersFromIt() {
        Path dir = root.resolve("p-0");
        IllegalStateException listenerBug = new IllegalStateException("listener bug");
        try (Log log = Log.open(dir, config(FlushMode.SYNC), clock, null, disk)) {
            Consumer<LogOfflineException> throwing = fault -> {
                throw listenerBug;
            };
            log.faults().onOffline(throwing);
            log.faults().onOffline(fault -> notified.add(new Notified(fault, Thread.currentThread())));
            disk.failWrites(dir);
            LogOfflineException fault = assertThrows(LogOfflineException.class, () -> appendSome(log, 1));
            assertEquals(List.of(listenerBug), List.of(fault.getSuppressed()));
            assertEquals(1, notified.size());
        }
    }
}
