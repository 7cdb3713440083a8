package io.wharf.replication.log;

import static io.wharf.replication.log.CompactedLogs.assertEachKeyOnce;
import static io.wharf.replication.log.CompactedLogs.compactConfig;
import static io.wharf.replication.log.CompactedLogs.keyed;
import static io.wharf.replication.log.CompactedLogs.latest;
import static io.wharf.replication.log.CompactedLogs.records;
import static io.wharf.replication.log.CompactedLogs.string;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatchBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random keyed writes and deletes, with cleanings at random points, random high watermarks,
 * random dedupe buffer sizes, compression and reopenings: reading the log always rebuilds exactly
 * the latest value of every key; every record read is the one written at that offset; the
 * cleaned section holds each key once; and once everything is cleanable and older than
 * {@code delete.retention.ms}, the log holds exactly the latest record of each live key, in offset
 * order, and no deleted key.
 */
class LogCompactionPropertyTest {
    private static final long DELETE_RETENTION_MS = 5_000;

    @TempDir
    Path dir;

    /** What was written at one offset. */
    private record Written(String key, String value, long timestamp) {
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
    void compactedLogsKeepExactlyTheLatestValueOfEveryKey(long seed) throws Exception {
        Random random = new Random(seed);
        ManualClock clock = new ManualClock(1_700_000_000_000L);
        LogConfig config = compactConfig().deleteRetentionMs(DELETE_RETENTION_MS)
                .segmentBytes(300 + random.nextInt(900)).build();
        CompressionType compression = random.nextBoolean() ? CompressionType.NONE : CompressionType.LZ4;
        Map<Long, Written> written = new HashMap<>();
        Map<String, Written> model = new LinkedHashMap<>();
        int keys = 3 + random.nextInt(20);
        Log log = Log.open(dir, config, clock);
        try {
            for (int step = 0; step < 400; step++) {
                int action = random.nextInt(100);
                if (action < 85) {
                    int count = 1 + random.nextInt(4);
                    RecordBatchBuilder builder = new RecordBatchBuilder(compression);
                    long base = log.logEndOffset();
                    for (int i = 0; i < count; i++) {
                        String key = "k" + random.nextInt(keys);
                        String value = random.nextInt(8) == 0 ? null : "s" + seed + "-" + step + "-" + i;
                        builder.append(clock.millis(), CompactedLogs.bytes(key), CompactedLogs.bytes(value));
                        Written w = new Written(key, value, clock.millis());
                        written.put(base + i, w);
                        model.put(key, w);
                    }
                    log.appendAsLeader(builder.build(), 0);
                } else if (action < 95) {
                    long highWatermark = log.logStartOffset() + random.nextInt((int) (log.logEndOffset() + 1));
                    long buffer = random.nextBoolean() ? 1 << 20 : 2048 + random.nextInt(4096);
                    try {
                        LogCompactionTest.cleanWith(log, highWatermark, new CleanerOptions(buffer, IoThrottle.UNLIMITED));
                    } catch (IllegalStateException tooSmall) {
                        assertTrue(tooSmall.getMessage().contains("log.cleaner.dedupe.buffer.size"), tooSmall.getMessage());
                    }
                    check(log, written, model, clock.millis());
                } else if (action < 98) {
                    clock.advance(random.nextInt(3_000));
                } else {
                    log.close();
                    log = Log.open(dir, config, clock);
                    check(log, written, model, clock.millis());
                }
            }
            // Make everything cleanable: roll past the last record, let every tombstone expire, clean until clean.
            clock.advance(DELETE_RETENTION_MS + 1);
            log.updateConfig(config.toBuilder().segmentMs(1).build());
            clock.advance(2);
            log.appendAsLeader(keyed(clock.millis(), "sentinel", "end"), 0);
            long sentinel = log.logEndOffset() - 1;
            while (log.compaction().cleanableSection(log.logEndOffset()).dirtyBytes() > 0) {
                LogCompactionTest.clean(log, log.logEndOffset());
            }
            // A cleaning removes expired tombstones only when it runs: one more pass over a now clean log.
            clock.advance(2);
            log.appendAsLeader(keyed(clock.millis(), "sentinel", "end"), 0);
            LogCompactionTest.clean(log, log.logEndOffset());

            List<Record> all = records(log);
            List<String> expected = new ArrayList<>();
            model.forEach((key, w) -> {
                if (w.value() != null) {
                    expected.add(key + "=" + w.value());
                }
            });
            List<String> actual = new ArrayList<>();
            for (Record record : all) {
                if (record.offset() < sentinel + 1) {
                    actual.add(string(record.key()) + "=" + string(record.value()));
                }
            }
            assertEquals(expected.stream().sorted().toList(), actual.stream().filter(s -> !s.startsWith("sentinel"))
                    .sorted().toList(), "seed " + seed + ": exactly the latest value of every live key");
            assertEachKeyOnce(all.stream().filter(r -> r.offset() <= sentinel).toList());
        } finally {
            log.close();
        }
    }

    /** The invariants that hold after any cleaning. */
    private static void check(Log log, Map<Long, Written> written, Map<String, Written> model, long nowMs) {
        List<Record> all = records(log);
        for (Record record : all) {
            Written w = written.get(record.offset());
            assertEquals(w.key(), string(record.key()), "key at offset " + record.offset());
            assertEquals(w.value(), string(record.value()), "value at offset " + record.offset());
        }
        Map<String, String> rebuilt = latest(all);
        model.forEach((key, w) -> {
            boolean tombstoneMayBeGone = w.value() == null && nowMs - w.timestamp() > DELETE_RETENTION_MS;
            if (!(tombstoneMayBeGone && !rebuilt.containsKey(key))) {
                assertTrue(rebuilt.containsKey(key), "key " + key + " is readable");
                assertEquals(w.value(), rebuilt.get(key), "latest value of " + key);
            }
        });
        long cleanedEnd = log.compaction().cleanableSection(0).firstDirtyOffset();
        assertEachKeyOnce(all.stream().filter(r -> r.offset() < cleanedEnd).toList());
    }
}
