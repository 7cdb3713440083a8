package io.wharf.replication.log.bench;

import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.CleanResult;
import io.wharf.replication.log.CleanerOptions;
import io.wharf.replication.log.CleanupPolicy;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.IoThrottle;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Cleaner throughput: one {@link LogCompaction#clean} of a freshly written, fully dirty compacted log of
 * 128 MiB (1 KiB records in 16-record batches, keys drawn uniformly from {@code keys}, 16 MiB
 * segments). Each iteration writes a new log (setup, not measured) and cleans it once (single shot):
 * MB/s of dirty log cleaned = 128 / the reported seconds. State per benchmark; JMH owns the thread.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class LogCleanerBenchmark {
    static final int RECORD_BYTES = 1024;
    static final int RECORDS_PER_BATCH = 16;
    static final long LOG_BYTES = 128L * 1024 * 1024;

    /** A dirty compacted log, rewritten before every iteration. */
    @State(Scope.Benchmark)
    public static class DirtyLog {
        /** Distinct keys: few means most records are superseded; many means most survive. */
        @Param({"1000", "100000"})
        public int keys;
        @Param({"NONE", "LZ4"})
        public String compression;

        Path dir;
        Log log;

        @Setup(Level.Iteration)
        public void write() throws IOException {
            dir = Files.createTempDirectory("wharf-cleaner-bench");
            LogConfig config = LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(16 * 1024 * 1024)
                    .cleanupPolicy(CleanupPolicy.COMPACT).build();
            log = Log.open(dir, config, Clock.systemUTC());
            Random random = new Random(42);
            byte[] value = new byte[RECORD_BYTES];
            random.nextBytes(value);
            CompressionType type = CompressionType.valueOf(compression);
            while (log.sizeInBytes() < LOG_BYTES) {
                RecordBatchBuilder builder = new RecordBatchBuilder(type);
                for (int i = 0; i < RECORDS_PER_BATCH; i++) {
                    builder.append(System.currentTimeMillis(),
                            ("key-" + random.nextInt(keys)).getBytes(StandardCharsets.UTF_8), value);
                }
                log.appendAsLeader(builder.build(), 0);
            }
            log.flush();
        }

        @TearDown(Level.Iteration)
        public void delete() throws IOException {
            log.close();
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    @Benchmark
    public CleanResult cleanOnce(DirtyLog state) throws InterruptedException {
        return state.log.compaction().clean(state.log.logEndOffset(),
                new CleanerOptions(128L * 1024 * 1024, IoThrottle.UNLIMITED));
    }
}
