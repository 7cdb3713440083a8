package io.wharf.replication.log;

import static io.wharf.replication.log.CompactedLogs.batches;
import static io.wharf.replication.log.CompactedLogs.compactConfig;
import static io.wharf.replication.log.CompactedLogs.keyed;
import static io.wharf.replication.log.CompactedLogs.latest;
import static io.wharf.replication.log.CompactedLogs.records;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A crash at each step of a cleaning's swap ({@link LogCleaner}): the directory is put in the
 * state a crash leaves there, built from a real log and a real cleaning of a copy of it, and then
 * reopened as after a kill -9 (no clean-shutdown marker). Every state must reopen with either the
 * old or the new segments whole, and the latest value of every key unchanged.
 */
class LogCleanerCrashTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);
    private Path original;
    private Path cleaned;
    private Map<String, String> model;
    private List<Record> originalRecords;
    private List<Record> cleanedRecords;

    @BeforeEach
    void writeALogAndACleanedCopy() throws IOException {
        original = dir.resolve("original");
        cleaned = dir.resolve("cleaned");
        model = new LinkedHashMap<>();
        try (Log log = Log.open(original, compactConfig().build(), clock)) {
            for (int i = 0; i < 60; i++) {
                log.appendAsLeader(keyed(clock.millis(), "key-" + (i % 5), "v" + i), 0);
                model.put("key-" + (i % 5), "v" + i);
            }
            originalRecords = records(log);
        }
        copyDirectory(original, cleaned);
        try (Log log = Log.open(cleaned, compactConfig().build(), clock)) {
            LogCompactionTest.clean(log, log.logEndOffset());
            cleanedRecords = records(log);
        }
        assertTrue(cleanedRecords.size() < originalRecords.size());
    }

    @Test
    void aCrashWhileWritingTheCleanedSegmentReopensTheOldSegments() throws IOException {
        Path crashed = crashedCopy();
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.CLEANED_SUFFIX, List.of(".log", ".index", ".timeindex"));

        assertEquals(originalRecords, reopenedRecords(crashed));
        assertNoCleanerFilesLeft(crashed);
    }

    @Test
    void aCrashAfterTheIndexesButBeforeTheLogWasRenamedToSwapReopensTheOldSegments() throws IOException {
        Path crashed = crashedCopy();
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.SWAP_SUFFIX, List.of(".index", ".timeindex"));
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.CLEANED_SUFFIX, List.of(".log"));

        assertEquals(originalRecords, reopenedRecords(crashed));
        assertNoCleanerFilesLeft(crashed);
    }

    @Test
    void aCrashAfterTheSwapWasCommittedReopensTheNewSegment() throws IOException {
        Path crashed = crashedCopy();
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.SWAP_SUFFIX, List.of(".log", ".index", ".timeindex"));

        assertSwappedIn(reopenedRecords(crashed), crashed);
    }

    @Test
    void aCrashWhileTheOldSegmentWasBeingDeletedReopensTheNewSegment() throws IOException {
        Path crashed = crashedCopy();
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.SWAP_SUFFIX, List.of(".log", ".index", ".timeindex"));
        Files.delete(crashed.resolve(SegmentFileNames.fileName(0, ".log")));

        assertSwappedIn(reopenedRecords(crashed), crashed);
    }

    @Test
    void aCrashWhileTheSwapWasRenamedToItsLiveNameReopensTheNewSegment() throws IOException {
        Path crashed = crashedCopy();
        for (String suffix : List.of(".log", ".index", ".timeindex")) {
            Files.delete(crashed.resolve(SegmentFileNames.fileName(0, suffix)));
        }
        copySegmentFiles(cleaned, crashed, 0, "", List.of(".index", ".timeindex"));
        copySegmentFiles(cleaned, crashed, 0, SegmentFileNames.SWAP_SUFFIX, List.of(".log"));

        assertSwappedIn(reopenedRecords(crashed), crashed);
    }

    private void assertSwappedIn(List<Record> reopened, Path crashed) throws IOException {
        long firstOldBase;
        try (Stream<Path> files = Files.list(original)) {
            firstOldBase = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
                    .mapToLong(n -> Long.parseLong(n.substring(0, 20))).filter(b -> b > 0).min().orElseThrow();
        }
        assertEquals(cleanedRecords.stream().filter(r -> r.offset() < firstOldBase).toList(),
                reopened.stream().filter(r -> r.offset() < firstOldBase).toList(), "the first segment is the cleaned one");
        assertEquals(originalRecords.stream().filter(r -> r.offset() >= firstOldBase).toList(),
                reopened.stream().filter(r -> r.offset() >= firstOldBase).toList(), "the later ones are the old ones");
        assertEquals(model, latest(reopened));
        assertNoCleanerFilesLeft(crashed);
    }

    /** A copy of the original log as a kill -9 leaves it: no clean-shutdown marker. */
    private Path crashedCopy() throws IOException {
        Path crashed = dir.resolve("crashed");
        copyDirectory(original, crashed);
        Files.deleteIfExists(crashed.resolve(LogLoader.CLEAN_SHUTDOWN_FILE));
        return crashed;
    }

    private List<Record> reopenedRecords(Path crashed) {
        try (Log log = Log.open(crashed, compactConfig().build(), clock)) {
            assertEquals(60, log.logEndOffset());
            batches(log);
            return records(log);
        }
    }

    private static void assertNoCleanerFilesLeft(Path crashed) throws IOException {
        try (Stream<Path> files = Files.list(crashed)) {
            List<String> left = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(SegmentFileNames.CLEANED_SUFFIX) || n.endsWith(SegmentFileNames.SWAP_SUFFIX)).toList();
            assertTrue(left.isEmpty(), "left behind: " + left);
        }
        assertFalse(Files.exists(crashed.resolve(SegmentFileNames.fileName(0, ".log") + SegmentFileNames.SWAP_SUFFIX)));
    }

    private static void copySegmentFiles(Path from, Path to, long base, String suffix, List<String> kinds)
            throws IOException {
        for (String kind : kinds) {
            Files.copy(from.resolve(SegmentFileNames.fileName(base, kind)), to.resolve(SegmentFileNames.fileName(base, kind) + suffix));
        }
    }

    private static void copyDirectory(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
