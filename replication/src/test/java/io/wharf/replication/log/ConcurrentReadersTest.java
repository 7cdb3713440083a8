package io.wharf.replication.log;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One appender rolling through many small segments while readers tail the log. */
class ConcurrentReadersTest {
    private static final int BATCHES = 1500;
    private static final int RECORDS_PER_BATCH = 2;

    @TempDir
    Path dir;

    @Test
    void readersTailingTheAppenderSeeOnlyWholeValidBatchesInOrder() throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        LogConfig config = LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(8 * 1024).indexIntervalBytes(256)
                .segmentIndexBytes(4096).build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        AtomicBoolean appenderDone = new AtomicBoolean();
        try (Log log = Log.open(dir, config, clock)) {
            Future<?> appender = pool.submit(() -> {
                for (int i = 0; i < BATCHES; i++) {
                    RecordBatchBuilder builder = new RecordBatchBuilder(i % 5 == 0 ? CompressionType.SNAPPY : CompressionType.NONE);
                    for (int r = 0; r < RECORDS_PER_BATCH; r++) {
                        builder.append(clock.millis(), null, valueFor(i * RECORDS_PER_BATCH + r));
                    }
                    log.appendAsLeader(builder.build(), 0);
                }
                appenderDone.set(true);
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 3; r++) {
                int maxBytes = 200 + r * 1500;
                readers.add(pool.submit(() -> tail(log, maxBytes, appenderDone)));
            }
            appender.get(60, TimeUnit.SECONDS);
            for (Future<Integer> reader : readers) {
                assertEquals(BATCHES * RECORDS_PER_BATCH, reader.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static byte[] valueFor(long offset) {
        return ("offset-" + offset).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads from 0 until the appender is done and the end is reached; returns records seen. */
    private static int tail(Log log, int maxBytes, AtomicBoolean appenderDone) {
        long next = 0;
        int seen = 0;
        while (!(appenderDone.get() && next == log.logEndOffset())) {
            LogSlice slice = log.read(next, maxBytes);
            for (RecordBatch batch : RecordBatches.validateAll(slice.toByteBuffer())) {
                assertEquals(next, batch.baseOffset(), "batches arrive contiguous");
                for (Record record : batch.records()) {
                    assertEquals("offset-" + record.offset(), new String(record.value(), StandardCharsets.UTF_8));
                    seen++;
                }
                next = batch.nextOffset();
            }
            if (slice.isEmpty()) {
                Thread.onSpinWait();
            }
        }
        return seen;
    }
}
