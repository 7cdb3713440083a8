package io.wharf.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a partition directory: finds the segments, recovers what an unclean stop may have left
 * half-written (every segment from the one holding the recovery point on, plus any whose indexes
 * look wrong), deletes everything after the first damaged batch, and reconciles the checkpoints.
 * Single-threaded; used once per {@link Log#open}.
 */
final class LogLoader {
    static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
    private static final Logger LOG = LoggerFactory.getLogger(LogLoader.class);

    /** The state a {@link Log} starts from. */
    record Loaded(ConcurrentSkipListMap<Long, LogSegment> segments, long logStartOffset, LeaderEpochCache epochCache,
                  LogOffsetsCheckpoint checkpoint) {
    }

    private LogLoader() {
    }

    static Loaded load(Path dir, LogConfig config, LogFileChannels channels, long nowMs) throws IOException {
        Files.createDirectories(dir);
        Set<Long> swapped = completeCleanerSwaps(dir);
        Map<Long, Path> logFiles = scanDirectory(dir);
        LogOffsetsCheckpoint checkpoint = new LogOffsetsCheckpoint(dir);
        LogOffsetsCheckpoint.Offsets offsets = checkpoint.read();
        Path marker = dir.resolve(CLEAN_SHUTDOWN_FILE);
        boolean clean = Files.exists(marker);
        LeaderEpochCache epochCache = new LeaderEpochCache(dir);

        ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
        for (long base : logFiles.keySet()) {
            segments.put(base, LogSegment.open(dir, base, config, channels, nowMs));
        }
        if (segments.isEmpty()) {
            segments.put(offsets.logStartOffset(), LogSegment.create(dir, offsets.logStartOffset(), config, channels));
        }
        recover(segments, clean, offsets.recoveryPoint(), swapped, epochCache, nowMs);

        long logEnd = segments.lastEntry().getValue().nextOffset();
        long logStart = Math.max(offsets.logStartOffset(), segments.firstKey());
        if (logStart > logEnd) {
            LOG.warn("{}: log start offset {} is past the recovered log end {}; starting an empty log at {}",
                    dir, logStart, logEnd, logStart);
            for (LogSegment segment : segments.values()) {
                segment.delete();
            }
            segments.clear();
            segments.put(logStart, LogSegment.create(dir, logStart, config, channels));
            logEnd = logStart;
        }
        while (segments.size() > 1 && segments.higherKey(segments.firstKey()) <= logStart) {
            segments.pollFirstEntry().getValue().delete();
        }
        segments.lastEntry().getValue().becomeActive();
        epochCache.truncateFromEnd(logEnd);
        epochCache.truncateFromStart(logStart);
        if (clean) {
            Files.delete(marker);
        }
        checkpoint.write(logStart, logEnd);
        return new Loaded(segments, logStart, epochCache, checkpoint);
    }

    /**
     * Finishes what a crash left of a cleaning ({@link LogCleaner}): files still
     * {@link SegmentFileNames#CLEANED_SUFFIX} were never committed and go, as do index files renamed to
     * {@link SegmentFileNames#SWAP_SUFFIX} whose log file was not; a log file named {@code .swap} was
     * committed: the old segments it replaces (those starting from its base offset up to its
     * last batch) are deleted and it takes its live name.
     *
     * @return the base offsets of the segments swapped in, whose indexes are to be rebuilt
     */
    private static Set<Long> completeCleanerSwaps(Path dir) throws IOException {
        List<Path> swapLogs = new ArrayList<>();
        List<Path> leftovers = new ArrayList<>();
        Set<Long> swapped = new TreeSet<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                if (name.endsWith(SegmentFileNames.CLEANED_SUFFIX)) {
                    leftovers.add(path);
                } else if (name.endsWith(SegmentFileNames.LOG_SUFFIX + SegmentFileNames.SWAP_SUFFIX)) {
                    swapLogs.add(path);
                } else if (name.endsWith(SegmentFileNames.SWAP_SUFFIX)) {
                    String base = name.substring(0, name.indexOf('.'));
                    if (!Files.exists(dir.resolve(base + SegmentFileNames.LOG_SUFFIX + SegmentFileNames.SWAP_SUFFIX))) {
                        leftovers.add(path);
                    }
                }
            }
        }
        for (Path leftover : leftovers) {
            LOG.info("{}: deleting {}, left by a cleaning that did not commit", dir, leftover.getFileName());
            Files.delete(leftover);
        }
        for (Path swap : swapLogs) {
            String name = swap.getFileName().toString();
            long base = SegmentFileNames.parseBase(name, SegmentFileNames.LOG_SUFFIX + SegmentFileNames.SWAP_SUFFIX);
            long end = Math.max(base + 1, lastOffsetIn(swap) + 1);
            for (Map.Entry<Long, Path> old : scanLogFiles(dir).entrySet()) {
                if (old.getKey() >= base && old.getKey() < end) {
                    for (String suffix : List.of(SegmentFileNames.LOG_SUFFIX, SegmentFileNames.INDEX_SUFFIX,
                            SegmentFileNames.TIME_INDEX_SUFFIX)) {
                        Files.deleteIfExists(dir.resolve(SegmentFileNames.fileName(old.getKey(), suffix)));
                    }
                }
            }
            for (String suffix : List.of(SegmentFileNames.INDEX_SUFFIX, SegmentFileNames.TIME_INDEX_SUFFIX, SegmentFileNames.LOG_SUFFIX)) {
                Path from = dir.resolve(SegmentFileNames.fileName(base, suffix) + SegmentFileNames.SWAP_SUFFIX);
                if (Files.exists(from)) {
                    Files.move(from, dir.resolve(SegmentFileNames.fileName(base, suffix)), StandardCopyOption.ATOMIC_MOVE);
                }
            }
            swapped.add(base);
            LOG.info("{}: completed the swap of cleaned segment {} (a crash interrupted it)", dir, name);
        }
        if (!leftovers.isEmpty() || !swapLogs.isEmpty()) {
            CheckpointFile.fsyncDirectory(dir);
        }
        return swapped;
    }

    /** The last offset of the last whole batch in {@code logFile}, or -1 when it has none. */
    private static long lastOffsetIn(Path logFile) throws IOException {
        try (FileChannel channel = FileChannel.open(logFile, StandardOpenOption.READ)) {
            int end = (int) Math.min(channel.size(), Integer.MAX_VALUE);
            ByteBuffer scratch = FileBatchHeader.scratch();
            long last = -1;
            int position = 0;
            FileBatchHeader header;
            while ((header = FileBatchHeader.read(channel, position, end, scratch)) != null) {
                last = header.lastOffset();
                position += header.size();
            }
            return last;
        }
    }

    private static Map<Long, Path> scanLogFiles(Path dir) throws IOException {
        Map<Long, Path> logFiles = new TreeMap<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir, "*" + SegmentFileNames.LOG_SUFFIX)) {
            for (Path path : stream) {
                logFiles.put(SegmentFileNames.parseBase(path.getFileName().toString(), SegmentFileNames.LOG_SUFFIX), path);
            }
        }
        return logFiles;
    }

    /** Base offset → .log file; removes leftover temporary files and index files without a log. */
    private static Map<Long, Path> scanDirectory(Path dir) throws IOException {
        Map<Long, Path> logFiles = new TreeMap<>();
        List<Path> indexFiles = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path path : stream) {
                String name = path.getFileName().toString();
                if (name.endsWith(".tmp")) {
                    Files.delete(path);
                } else if (name.endsWith(SegmentFileNames.LOG_SUFFIX)) {
                    logFiles.put(SegmentFileNames.parseBase(name, SegmentFileNames.LOG_SUFFIX), path);
                } else if (name.endsWith(SegmentFileNames.INDEX_SUFFIX) || name.endsWith(SegmentFileNames.TIME_INDEX_SUFFIX)) {
                    indexFiles.add(path);
                }
            }
        }
        for (Path index : indexFiles) {
            String name = index.getFileName().toString();
            String base = name.substring(0, name.indexOf('.'));
            if (!Files.exists(dir.resolve(base + SegmentFileNames.LOG_SUFFIX))) {
                Files.delete(index);
            }
        }
        return logFiles;
    }

    private static void recover(ConcurrentSkipListMap<Long, LogSegment> segments, boolean clean, long recoveryPoint,
                                Set<Long> mustRecover, LeaderEpochCache epochCache, long nowMs) throws IOException {
        long expectedBase = segments.firstKey();
        boolean damaged = false;
        for (LogSegment segment : List.copyOf(segments.values())) {
            if (damaged || segment.baseOffset() != expectedBase) {
                if (!damaged) {
                    LOG.warn("segment {} does not continue the log (expected base offset {}); it and every later segment are deleted",
                            segment, expectedBase);
                    damaged = true;
                }
                segments.remove(segment.baseOffset());
                segment.delete();
                continue;
            }
            Long nextBase = segments.higherKey(segment.baseOffset());
            boolean afterRecoveryPoint = nextBase == null || nextBase > recoveryPoint;
            if ((!clean && afterRecoveryPoint) || segment.needsRecovery() || mustRecover.contains(segment.baseOffset())) {
                List<EpochEntry> epochs = new ArrayList<>();
                LogSegment.RecoveryResult result = segment.recover((epoch, offset) -> {
                    if (epoch >= 0 && (epochs.isEmpty() || epochs.get(epochs.size() - 1).epoch() < epoch)) {
                        epochs.add(new EpochEntry(epoch, offset));
                    }
                }, nowMs);
                epochCache.assignAll(epochs);
                if (result.damage() != null) {
                    LOG.warn("recovery of {} cut {} bytes: {}; later segments are deleted", segment, result.truncatedBytes(), result.damage());
                    damaged = true;
                }
                if (nextBase == null || damaged) {
                    segment.flushAll();
                } else {
                    segment.becomeInactive();
                }
            }
            expectedBase = segment.nextOffset();
        }
    }
}
