package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlushModeTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    @Test
    void syncModeReportsEveryAppendFlushed() {
        try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
            for (int i = 0; i < 5; i++) {
                LogAppendInfo info = log.appendAsLeader(batch(3, clock.millis(), "s"), 0);
                assertTrue(info.flushed());
                assertEquals(log.logEndOffset(), log.flushedOffset());
            }
        }
    }

    @Test
    void lazyModeFlushesOnlyOnRollFlushAndClose() {
        LogConfig config = LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(600).build();
        try (Log log = Log.open(dir, config, clock)) {
            LogAppendInfo info = log.appendAsLeader(batch(3, clock.millis(), "l"), 0);
            assertFalse(info.flushed());
            assertEquals(0, log.flushedOffset());
            while (log.segmentBaseOffsets().size() < 2) {
                log.appendAsLeader(batch(3, clock.millis(), "l"), 0);
            }
            long activeBase = log.segmentBaseOffsets().get(1);
            assertEquals(activeBase, log.flushedOffset(), "the roll fsynced the sealed segment");
            log.appendAsLeader(batch(3, clock.millis(), "l"), 0);
            assertEquals(activeBase, log.flushedOffset());
            assertEquals(log.logEndOffset(), log.flush());
            assertEquals(0, log.groupCommitFsyncCount() - 1, "one explicit flush");
        }
    }

    /**
     * Appenders on a slow disk pile up behind each fsync, so group commit must let the ones
     * waiting share the next: fewer fsyncs than appends, every one of them real, and no append
     * returning before an fsync covered it.
     */
    @Test
    void concurrentSyncAppendersShareFsyncsAndEachReturnsOnlyOnceFlushed() throws Exception {
        int threads = 4;
        int appendsPerThread = 40;
        FaultyFileChannels disk = new FaultyFileChannels();
        disk.slowFsyncs(dir, Duration.ofMillis(5));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Log log = Log.open(dir, LogConfig.defaults(), clock, null, disk)) {
            int fsyncsAtOpen = disk.fsyncs();
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < appendsPerThread; i++) {
                        LogAppendInfo info = log.appendAsLeader(batch(CompressionType.NONE, 2, clock.millis(), "t" + thread, 100), 0);
                        long flushed = log.flushedOffset();
                        assertTrue(info.flushed(), "append " + i + " of thread " + thread + " not reported flushed");
                        assertTrue(flushed >= info.nextOffset(), "append " + i + " of thread " + thread
                                + " returned with offsets up to " + info.nextOffset() + " but only " + flushed + " flushed");
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            int appends = threads * appendsPerThread;
            assertEquals(appends * 2L, log.logEndOffset());
            assertEquals(log.logEndOffset(), log.flushedOffset());
            assertTrue(log.groupCommitFsyncCount() < appends,
                    log.groupCommitFsyncCount() + " fsyncs for " + appends + " appends: none was shared");
            assertEquals(log.groupCommitFsyncCount(), disk.fsyncs() - fsyncsAtOpen, "each group commit reached the disk");
        } finally {
            pool.shutdownNow();
        }
    }
}
