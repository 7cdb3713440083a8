package io.wharf.replication.log.bench;

import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogAppendInfo;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.RetentionPolicy;
import io.wharf.replication.log.LogSlice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * Append and sequential-read throughput of {@link Log} for 1 KiB records in 16 KiB batches
 * (16 records per batch). One operation appends or reads one batch's worth of records:
 * MB/s = ops/s × 16 KiB of record payload. Retention runs between iterations (as a caller-owned
 * retention thread would, off the append path) and keeps the files to a few GiB. In LAZY mode the
 * log gets a background flusher (one thread owned by the benchmark state, as a broker would own
 * its scheduler), so a segment roll's fsync does not run on the appending thread.
 * State is per benchmark; JMH owns the benchmark threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class LogBenchmark {
    static final int RECORD_BYTES = 1024;
    static final int RECORDS_PER_BATCH = 16;
    /** Keeps about three 256 MiB segments. */
    static final RetentionPolicy RETENTION = new RetentionPolicy(-1, 768L * 1024 * 1024);

    /** A log in a temporary directory plus a prebuilt batch. */
    @State(Scope.Benchmark)
    public static class AppendState {
        @Param({"NONE", "LZ4"})
        public String compression;
        @Param({"LAZY", "SYNC"})
        public String flushMode;
        /**
         * LAZY mode only: BACKGROUND gives the log a flusher thread for roll fsyncs; INLINE opens it
         * without one (the roll fsyncs on the appending thread), for comparison under the same load.
         */
        @Param({"BACKGROUND"})
        public String rollFlush;

        Log log;
        Path dir;
        ThreadLocal<ByteBuffer> batch;
        /** Background fsyncs of rolled segments in LAZY mode; null in SYNC mode, which does not use one. */
        ExecutorService flusher;

        @Setup(Level.Trial)
        public void open() throws IOException {
            dir = Files.createTempDirectory("wharf-log-bench");
            FlushMode mode = FlushMode.valueOf(flushMode);
            LogConfig config = LogConfig.builder().flushMode(mode)
                    .segmentBytes(256 * 1024 * 1024).build();
            if (mode == FlushMode.LAZY && "BACKGROUND".equals(rollFlush)) {
                flusher = Executors.newSingleThreadExecutor(task -> {
                    Thread thread = new Thread(task, "log-bench-flusher");
                    thread.setDaemon(true);
                    return thread;
                });
            }
            log = Log.open(dir, config, Clock.systemUTC(), flusher);
            ByteBuffer template = buildBatch(CompressionType.valueOf(compression), new Random(1));
            batch = ThreadLocal.withInitial(() -> ByteBuffer.allocate(template.capacity()).put(template.duplicate()).flip());
            System.out.println("batch bytes on disk: " + template.remaining());
        }

        @TearDown(Level.Iteration)
        public void retention() {
            // A backlog here means the disk did not keep up with the background fsyncs; retention
            // then cancels the fsyncs of the segments it deletes, so the figure would flatter.
            System.out.print("[rolled segments awaiting fsync at iteration end: " + log.pendingRollFlushes() + "] ");
            log.enforceRetention(RETENTION, Long.MAX_VALUE);
        }

        @TearDown(Level.Trial)
        public void close() throws IOException, InterruptedException {
            log.close();
            if (flusher != null) {
                flusher.shutdown();
                if (!flusher.awaitTermination(1, TimeUnit.MINUTES)) {
                    throw new IllegalStateException("the background flusher did not finish within a minute");
                }
            }
            deleteRecursively(dir);
        }
    }

    /** Log text-like values (compressible roughly like JSON) so lz4 has realistic work. */
    static ByteBuffer buildBatch(CompressionType compression, Random random) {
        String[] words = {"order", "customer", "amount", "currency", "EUR", "status", "shipped", "id", "item", "sku",
                "quantity", "price", "timestamp", "region", "eu-west", "warehouse"};
        RecordBatchBuilder builder = new RecordBatchBuilder(compression);
        for (int r = 0; r < RECORDS_PER_BATCH; r++) {
            StringBuilder value = new StringBuilder(RECORD_BYTES);
            while (value.length() < RECORD_BYTES) {
                value.append('"').append(words[random.nextInt(words.length)]).append("\":").append(random.nextInt(100000)).append(',');
            }
            value.setLength(RECORD_BYTES);
            builder.append(System.currentTimeMillis(), ("key-" + r).getBytes(), value.toString().getBytes());
        }
        return builder.build();
    }

    @Benchmark
    @Threads(1)
    public LogAppendInfo append1Thread(AppendState state) {
        return append(state);
    }

    @Benchmark
    @Threads(4)
    public LogAppendInfo append4Threads(AppendState state) {
        return append(state);
    }

    private static LogAppendInfo append(AppendState state) {
        return state.log.appendAsLeader(state.batch.get().duplicate(), 0);
    }

    /** A ~512 MiB log written once, read front to back over and over in 1 MiB fetches. */
    @State(Scope.Thread)
    public static class ReadState {
        @Param({"NONE", "LZ4"})
        public String compression;

        Log log;
        Path dir;
        ByteBuffer target = ByteBuffer.allocateDirect(2 * 1024 * 1024);
        long next;

        @Setup(Level.Trial)
        public void fill() throws IOException {
            dir = Files.createTempDirectory("wharf-log-bench");
            log = Log.open(dir, LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(128 * 1024 * 1024).build(),
                    Clock.systemUTC());
            ByteBuffer batch = buildBatch(CompressionType.valueOf(compression), new Random(2));
            int batches = (512 * 1024 * 1024) / (RECORD_BYTES * RECORDS_PER_BATCH);
            for (int i = 0; i < batches; i++) {
                log.appendAsLeader(batch.duplicate(), 0);
            }
            log.flush();
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            log.close();
            deleteRecursively(dir);
        }
    }

    /** Reads 1 MiB of whole batches; returns records' worth of batches read (1 MiB ≈ 64 batches). */
    @Benchmark
    @Threads(1)
    public int sequentialRead1MiB(ReadState state) {
        if (state.next >= state.log.logEndOffset()) {
            state.next = state.log.logStartOffset();
        }
        LogSlice slice = state.log.read(state.next, 1024 * 1024);
        state.target.clear();
        slice.readInto(state.target);
        state.next = slice.nextOffset();
        return slice.batchCount();
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
