package io.wharf.replication.log;

import static io.wharf.replication.log.CompactedLogs.compactConfig;
import static io.wharf.replication.log.CompactedLogs.keyed;
import static io.wharf.replication.log.CompactedLogs.latest;
import static io.wharf.replication.log.CompactedLogs.records;
import static io.wharf.replication.log.CompactedLogs.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cleanings running against live traffic on one log: an appender writing keyed records, readers
 * going over the log from its start again and again, and a cleaner cleaning up to the appender's
 * progress. Readers only ever see contiguous batches whose records are the ones written at their
 * offsets; no call fails; at the end the log rebuilds every key's latest value and reopens whole.
 */
class ConcurrentCompactionTest {
    private static final int BATCHES = 1500;
    private static final int KEYS = 40;

    @TempDir
    Path dir;

    @Test
    void appendsReadsAndCleaningsInterleaveWithoutAReaderEverSeeingAHoleOrAWrongRecord() throws Exception {
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        LogConfig config = compactConfig().segmentBytes(2048).build();
        Map<Long, String> written = new ConcurrentHashMap<>();
        AtomicLong committed = new AtomicLong();
        AtomicBoolean appending = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (Log log = Log.open(dir, config, clock)) {
            Future<?> appender = pool.submit(() -> {
                for (int i = 0; i < BATCHES; i++) {
                    String key = "key-" + (i % KEYS);
                    String value = "v" + i;
                    long offset = log.appendAsLeader(keyed(clock.millis(), key, value), 0).firstOffset();
                    written.put(offset, key + "=" + value);
                    committed.set(offset + 1);  // a high watermark that follows the appends
                }
                appending.set(false);
            });
            Future<Integer> cleaner = pool.submit(() -> {
                int cleanings = 0;
                while (appending.get()) {
                    CleanResult result = LogCompactionTest.clean(log, committed.get());
                    cleanings += result.firstDirtyOffsetAfter() > result.firstDirtyOffsetBefore() ? 1 : 0;
                }
                return cleanings;
            });
            List<Future<Integer>> readers = new ArrayList<>();
            for (int r = 0; r < 2; r++) {
                readers.add(pool.submit(() -> {
                    int passes = 0;
                    while (appending.get()) {
                        readWholeLog(log, committed.get(), written);
                        passes++;
                    }
                    return passes;
                }));
            }
            appender.get(120, TimeUnit.SECONDS);
            assertTrue(cleaner.get(60, TimeUnit.SECONDS) > 0, "the cleaner cleaned while the appender ran");
            for (Future<Integer> reader : readers) {
                assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
            }
            Map<String, String> expected = new HashMap<>();
            for (int i = BATCHES - KEYS; i < BATCHES; i++) {
                expected.put("key-" + (i % KEYS), "v" + i);
            }
            assertEquals(expected, latest(records(log)));
        }
        try (Log reopened = Log.open(dir, config, clock)) {
            assertEquals(BATCHES, reopened.logEndOffset());
            for (Record record : records(reopened)) {
                assertEquals(written.get(record.offset()), string(record.key()) + "=" + string(record.value()));
            }
        }
    }

    /** Reads from the log start to {@code upTo}, checking contiguity and every record against what was written. */
    private static void readWholeLog(Log log, long upTo, Map<Long, String> written) {
        long offset = log.logStartOffset();
        while (offset < upTo) {
            ByteBuffer read = log.readCopy(offset, 4096, upTo);
            if (!read.hasRemaining()) {
                return;
            }
            for (RecordBatch batch : RecordBatches.validateAll(read)) {
                assertTrue(batch.baseOffset() <= offset && batch.lastOffset() >= offset,
                        "the batch read holds the offset asked for (" + offset + "): " + batch);
                for (Record record : batch.records()) {
                    assertEquals(written.get(record.offset()), string(record.key()) + "=" + string(record.value()),
                            "record at offset " + record.offset());
                }
                offset = batch.nextOffset();
            }
        }
    }
}
