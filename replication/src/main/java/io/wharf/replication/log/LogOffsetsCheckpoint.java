package io.wharf.replication.log;

import java.nio.file.Path;
import java.util.List;

/**
 * The partition's {@code log-offsets.checkpoint}: the log start offset and the recovery point
 * (every segment wholly below it is fsynced with its indexes, so recovery after a crash scans
 * only from the segment holding it). Format: a version line {@code 0}, then
 * {@code logStartOffset <n>} and {@code recoveryPoint <n>}. Not thread-safe: written only by
 * the log's {@link RecoveryPointTracker} under its monitor (and by {@link LogLoader} before the
 * log exists).
 */
final class LogOffsetsCheckpoint {
    static final String FILE_NAME = "log-offsets.checkpoint";
    private static final String VERSION = "0";

    /** The offsets stored in the checkpoint. */
    record Offsets(long logStartOffset, long recoveryPoint) {
    }

    private final CheckpointFile file;

    LogOffsetsCheckpoint(Path dir) {
        this.file = new CheckpointFile(dir.resolve(FILE_NAME));
    }

    /** The stored offsets, or (0, 0) when the file does not exist: scan everything. */
    Offsets read() {
        return file.read().map(this::parse).orElse(new Offsets(0, 0));
    }

    private Offsets parse(List<String> lines) {
        if (lines.size() < 3 || !VERSION.equals(lines.get(0).trim())
                || !lines.get(1).startsWith("logStartOffset ") || !lines.get(2).startsWith("recoveryPoint ")) {
            throw new LogStorageException("checkpoint " + file.path() + " is not a version " + VERSION
                    + " log-offsets checkpoint: " + lines);
        }
        long start = file.parseLong(lines.get(1).substring("logStartOffset ".length()), "logStartOffset");
        long recovery = file.parseLong(lines.get(2).substring("recoveryPoint ".length()), "recoveryPoint");
        return new Offsets(start, recovery);
    }

    void write(long logStartOffset, long recoveryPoint) {
        file.write(List.of(VERSION, "logStartOffset " + logStartOffset, "recoveryPoint " + recoveryPoint));
    }
}
