package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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

    @Test
    void concurrentSyncAppendersAllBecomeDurableWithSharedFsyncs() throws Exception {
        int threads = 4;
        int appendsPerThread = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Log log = Log.open(dir, LogConfig.defaults(), clock)) {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < appendsPerThread; i++) {
                        LogAppendInfo info = log.appendAsLeader(batch(CompressionType.NONE, 2, clock.millis(), "t" + thread, 100), 0);
                        assertTrue(log.flushedOffset() >= info.nextOffset(), "returned before durable");
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
            assertEquals(threads * appendsPerThread * 2, log.logEndOffset());
            assertEquals(log.logEndOffset(), log.flushedOffset());
            assertTrue(log.groupCommitFsyncCount() <= threads * appendsPerThread,
                    "fsyncs " + log.groupCommitFsyncCount());
        } finally {
            pool.shutdownNow();
        }
    }
}
