package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash images are taken by copying the directory of a log that is still open (what a power
 * cut leaves: no clean-shutdown marker, preallocated indexes), then damaged and reopened.
 */
class LogRecoveryTest {
    @TempDir
    Path root;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogConfig config(int segmentBytes) {
        return LogConfig.builder().flushMode(FlushMode.LAZY).segmentBytes(segmentBytes).indexIntervalBytes(200)
                .segmentIndexBytes(2048).build();
    }

    /** Appends batches, returns each batch's [start position, end position, base offset, next offset] in segment 0. */
    private List<long[]> fill(Log log, int batches, Random random) {
        List<long[]> layout = new ArrayList<>();
        long position = 0;
        for (int i = 0; i < batches; i++) {
            CompressionType compression = CompressionType.values()[random.nextInt(CompressionType.values().length)];
            LogAppendInfo info = log.appendAsLeader(batch(compression, 1 + random.nextInt(5), clock.millis(), "b" + i,
                    random.nextInt(60)), i / 4);
            layout.add(new long[] {position, position + info.sizeInBytes(), info.firstOffset(), info.nextOffset()});
            position += info.sizeInBytes();
        }
        return layout;
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(from)) {
            for (Path file : files) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }

    private static void deleteDirectory(Path dir) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path file : files) {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    /** The offset recovery must end at: the next offset of the last batch wholly before {@code damageAt}. */
    private static long intactEnd(List<long[]> layout, long damageAt) {
        long end = 0;
        for (long[] batch : layout) {
            if (batch[1] <= damageAt) {
                end = batch[3];
            }
        }
        return end;
    }

    @Test
    void cuttingTheFileAnywhereKeepsExactlyTheWholeBatchesBeforeTheCut() throws IOException {
        Random random = new Random(101);
        Path live = root.resolve("live");
        try (Log log = Log.open(live, config(1 << 20), clock)) {
            List<long[]> layout = fill(log, 40, random);
            List<Record> all = TestBatches.readAll(log, 0);
            long fileSize = layout.get(layout.size() - 1)[1];
            for (int trial = 0; trial < 40; trial++) {
                long cut = trial == 0 ? fileSize - 1 : random.nextLong(fileSize);
                Path image = root.resolve("cut-" + trial);
                copyDirectory(live, image);
                try (RandomAccessFile file = new RandomAccessFile(image.resolve("00000000000000000000.log").toFile(), "rw")) {
                    file.setLength(cut);
                }
                long expectedEnd = intactEnd(layout, cut);
                try (Log recovered = Log.open(image, config(1 << 20), clock)) {
                    assertEquals(expectedEnd, recovered.logEndOffset(), "cut at " + cut);
                    assertEquals(all.subList(0, (int) expectedEnd), TestBatches.readAll(recovered, 0), "cut at " + cut);
                    assertEquals(expectedEnd, recovered.flushedOffset(), "recovered data is fsynced");
                    recovered.appendAsLeader(batch(1, clock.millis(), "after"), 99);
                    assertEquals(expectedEnd + 1, TestBatches.readAll(recovered, 0).size());
                }
                deleteDirectory(image);
            }
        }
    }

    @Test
    void flippingAnyCoveredByteKeepsExactlyTheBatchesBeforeIt() throws IOException {
        Random random = new Random(202);
        Path live = root.resolve("live");
        try (Log log = Log.open(live, config(1 << 20), clock)) {
            List<long[]> layout = fill(log, 40, random);
            List<Record> all = TestBatches.readAll(log, 0);
            long fileSize = layout.get(layout.size() - 1)[1];
            for (int trial = 0; trial < 60; trial++) {
                long flipAt = random.nextLong(fileSize);
                long batchStart = layout.stream().filter(b -> b[0] <= flipAt && flipAt < b[1]).findFirst().orElseThrow()[0];
                long field = flipAt - batchStart;
                if (field >= RecordBatch.PARTITION_LEADER_EPOCH_OFFSET && field < RecordBatch.MAGIC_OFFSET) {
                    continue; // the leader epoch is outside the CRC by design of the v2 format
                }
                Path image = root.resolve("flip-" + trial);
                copyDirectory(live, image);
                try (RandomAccessFile file = new RandomAccessFile(image.resolve("00000000000000000000.log").toFile(), "rw")) {
                    file.seek(flipAt);
                    int original = file.read();
                    file.seek(flipAt);
                    file.write(original ^ (1 + random.nextInt(255)));
                }
                long expectedEnd = intactEnd(layout, batchStart);
                try (Log recovered = Log.open(image, config(1 << 20), clock)) {
                    assertEquals(expectedEnd, recovered.logEndOffset(), "flip at " + flipAt + " (field byte " + field + ")");
                    assertEquals(all.subList(0, (int) expectedEnd), TestBatches.readAll(recovered, 0));
                    assertEquals(batchStart, Files.size(image.resolve("00000000000000000000.log")), "damaged tail cut");
                }
                deleteDirectory(image);
            }
        }
    }

    /** A crash image of a log of several 1,500-byte segments: its directory, segments and records. */
    private record SegmentedImage(Path live, Path image, List<Long> bases, List<Record> all) {
    }

    /**
     * Fills a log of 1,500-byte segments and takes a crash image of it without the offsets
     * checkpoint, so that recovery walks every segment; the live log stays open for {@code check}.
     */
    private void withSegmentedImage(long seed, IoCheck<SegmentedImage> check) throws IOException {
        Path live = root.resolve("live");
        try (Log log = Log.open(live, config(1500), clock)) {
            fill(log, 60, new Random(seed));
            List<Long> bases = log.segmentBaseOffsets();
            assertTrue(bases.size() >= 4, "segments " + bases);
            List<Record> all = TestBatches.readAll(log, 0);
            Path image = root.resolve("image");
            copyDirectory(live, image);
            Files.delete(image.resolve(LogOffsetsCheckpoint.FILE_NAME));
            check.accept(new SegmentedImage(live, image, bases, all));
        }
    }

    @FunctionalInterface
    private interface IoCheck<T> {
        void accept(T value) throws IOException;
    }

    @Test
    void damageInAMiddleSegmentDropsEverySegmentAfterIt() throws IOException {
        withSegmentedImage(303, crashed -> {
            Path image = crashed.image();
            List<Long> bases = crashed.bases();
            List<Record> all = crashed.all();
            long damagedBase = bases.get(2);
            Path damaged = image.resolve(SegmentFileNames.fileName(damagedBase, ".log"));
            try (RandomAccessFile file = new RandomAccessFile(damaged.toFile(), "rw")) {
                file.seek(file.length() - 3);
                file.write(0x5A ^ file.read());
            }
            try (Log recovered = Log.open(image, config(1500), clock)) {
                List<Long> kept = recovered.segmentBaseOffsets();
                assertEquals(bases.subList(0, 3), kept);
                long end = recovered.logEndOffset();
                assertTrue(end > damagedBase && end < bases.get(3), "end " + end);
                assertEquals(all.subList(0, (int) end), TestBatches.readAll(recovered, 0));
                assertFalse(Files.exists(image.resolve(SegmentFileNames.fileName(bases.get(3), ".log"))));
                assertTrue(recovered.leaderEpochCache().entries().stream().allMatch(e -> e.startOffset() < end));
            }
        });
    }

    @Test
    void zerosWrittenAheadOfTheDataEndASegmentWithoutDamage() throws IOException {
        withSegmentedImage(505, crashed -> {
            Path image = crashed.image();
            List<Long> bases = crashed.bases();
            Path activeFile = crashed.live().resolve(SegmentFileNames.fileName(bases.get(bases.size() - 1), ".log"));
            assertEquals(1500, Files.size(activeFile), "the active segment's file runs ahead of its data with zeros");
            // A sealed segment whose cut of the zeros was lost in the crash.
            Path sealed = image.resolve(SegmentFileNames.fileName(bases.get(1), ".log"));
            long sealedBytes = Files.size(sealed);
            Files.write(sealed, new byte[4096], java.nio.file.StandardOpenOption.APPEND);
            try (Log recovered = Log.open(image, config(1500), clock)) {
                assertEquals(bases, recovered.segmentBaseOffsets(), "no segment was taken for damaged");
                assertEquals(crashed.all(), TestBatches.readAll(recovered, 0));
                assertEquals(sealedBytes, Files.size(sealed), "the zeros were cut off");
            }
        });
    }

    @Test
    void aCleanCloseCutsTheZerosWrittenAheadOfTheData() throws IOException {
        Path dir = root.resolve("closed");
        long bytes;
        try (Log log = Log.open(dir, config(1 << 20), clock)) {
            log.appendAsLeader(batch(3, clock.millis(), "z"), 0);
            bytes = log.sizeInBytes();
            assertEquals(LogSegment.PREALLOCATE_BYTES, Files.size(dir.resolve("00000000000000000000.log")));
        }
        assertEquals(bytes, Files.size(dir.resolve("00000000000000000000.log")));
    }

    @Test
    void uncleanStopRebuildsIndexesAndTheEpochCache() throws IOException {
        Random random = new Random(404);
        Path live = root.resolve("live");
        try (Log log = Log.open(live, config(1 << 20), clock)) {
            fill(log, 30, random);
            List<Record> all = TestBatches.readAll(log, 0);
            List<EpochEntry> epochs = log.leaderEpochCache().entries();
            Path image = root.resolve("image");
            copyDirectory(live, image);
            try (RandomAccessFile index = new RandomAccessFile(image.resolve("00000000000000000000.index").toFile(), "rw")) {
                index.seek(0);
                index.write(new byte[64]);
            }
            Files.delete(image.resolve(LeaderEpochCache.FILE_NAME));
            try (Log recovered = Log.open(image, config(1 << 20), clock)) {
                assertEquals(epochs, recovered.leaderEpochCache().entries());
                for (Record record : all) {
                    assertTrue(TestBatches.records(recovered.read(record.offset(), 1).toByteBuffer()).contains(record));
                }
            }
        }
    }

    /**
     * Flips a byte inside the records of the last batch in segment 0: framing and indexes stay
     * plausible, so only recovery's CRC check finds it (and would cut the batch).
     */
    private static void damageLastBatchRecords(Path dir, long[] lastBatch) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(dir.resolve("00000000000000000000.log").toFile(), "rw")) {
            long at = lastBatch[0] + RecordBatch.RECORDS_OFFSET;
            file.seek(at);
            int original = file.read();
            file.seek(at);
            file.write(original ^ 0x5A);
        }
    }

    @Test
    void cleanShutdownSkipsRecoverySoADamagedTailIsNotRepaired() throws IOException {
        Path dir = root.resolve("clean");
        List<long[]> layout;
        try (Log log = Log.open(dir, config(1 << 20), clock)) {
            layout = fill(log, 10, new Random(1));
        }
        assertTrue(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)));
        long[] last = layout.get(layout.size() - 1);
        damageLastBatchRecords(dir, last);

        try (Log log = Log.open(dir, config(1 << 20), clock)) {
            assertFalse(Files.exists(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE)), "marker removed while open");
            assertEquals(last[3], log.logEndOffset(), "recovery would have cut the damaged last batch");
            assertEquals(last[1], Files.size(dir.resolve("00000000000000000000.log")));
            assertEquals(last[3], log.flushedOffset());
            LogSlice damaged = log.read(last[2], 1);
            assertEquals(last[2], damaged.firstOffset());
            assertThrows(CorruptRecordException.class, () -> TestBatches.records(damaged.toByteBuffer()),
                    "the damaged batch is served as it is on disk");
            log.appendAsLeader(batch(2, clock.millis(), "more"), 5);
            assertEquals(last[3] + 2, log.logEndOffset());
        }
    }

    /**
     * The same closed directory and damage as above, minus the marker: trimmed indexes and a
     * checkpoint at the log end leave nothing else that asks for recovery, so the marker alone
     * decides that the active segment is re-verified.
     */
    @Test
    void withoutTheCleanShutdownMarkerTheSameDamageIsRecovered() throws IOException {
        Path dir = root.resolve("unclean");
        List<long[]> layout;
        List<Record> all;
        try (Log log = Log.open(dir, config(1 << 20), clock)) {
            layout = fill(log, 10, new Random(1));
            all = TestBatches.readAll(log, 0);
        }
        Files.delete(dir.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
        long[] last = layout.get(layout.size() - 1);
        damageLastBatchRecords(dir, last);

        try (Log recovered = Log.open(dir, config(1 << 20), clock)) {
            assertEquals(last[2], recovered.logEndOffset(), "recovery cut the damaged last batch");
            assertEquals(last[0], Files.size(dir.resolve("00000000000000000000.log")));
            assertEquals(all.subList(0, (int) last[2]), TestBatches.readAll(recovered, 0));
        }
    }
}
