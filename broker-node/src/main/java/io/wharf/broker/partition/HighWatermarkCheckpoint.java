package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.replication.log.CheckpointFile;
import io.wharf.replication.log.LogStorageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The broker's {@code replication-offset-checkpoint} in its data directory: the high watermark
 * of every partition it hosts, so that after a restart a partition starts from the HW it had
 * instead of not knowing one (Kafka keeps the same file). Replaced atomically on each write
 * (temporary file, fsync, rename, directory fsync), so a crash leaves the old or the new content.
 *
 * <p>Format (text, UTF-8): a version line {@code 0}, a line with the number of entries, then one
 * line per partition: {@code <topic> <partition> <high watermark>} (topic names never contain
 * spaces). Not thread-safe: one writer at a time (the partition registry's checkpoint thread).
 */
public final class HighWatermarkCheckpoint {

    public static final String FILE_NAME = "replication-offset-checkpoint";
    private static final String VERSION = "0";

    private final CheckpointFile file;

    public HighWatermarkCheckpoint(Path dataDir) {
        this.file = new CheckpointFile(dataDir.resolve(FILE_NAME));
    }

    public Path path() {
        return file.path();
    }

    /**
     * The high watermarks stored, or none when the file does not exist (a new data directory).
     *
     * @throws LogStorageException when the file cannot be read or is not a complete version-0
     *     checkpoint; the message names the file and the line at fault
     */
    public Map<TopicPartition, Long> read() {
        return file.read().map(this::parse).orElse(Map.of());
    }

    /** Replaces the file with {@code highWatermarks}, sorted by topic and partition. */
    public void write(Map<TopicPartition, Long> highWatermarks) {
        List<Map.Entry<TopicPartition, Long>> entries = new ArrayList<>(highWatermarks.entrySet());
        entries.sort(Map.Entry.comparingByKey());
        List<String> lines = new ArrayList<>(entries.size() + 2);
        lines.add(VERSION);
        lines.add(Integer.toString(entries.size()));
        for (Map.Entry<TopicPartition, Long> entry : entries) {
            lines.add(entry.getKey().topic() + " " + entry.getKey().partition() + " " + entry.getValue());
        }
        file.write(lines);
    }

    private Map<TopicPartition, Long> parse(List<String> lines) {
        if (lines.isEmpty() || !VERSION.equals(lines.get(0).trim())) {
            throw corrupt(1, "expected the version line '" + VERSION + "' but found "
                    + (lines.isEmpty() ? "an empty file" : "'" + lines.get(0) + "'"));
        }
        if (lines.size() < 2) {
            throw corrupt(2, "the entry count line is missing");
        }
        int count = (int) number(lines.get(1), 2, "entry count", Integer.MAX_VALUE);
        if (lines.size() - 2 != count) {
            throw corrupt(2, "it announces " + count + " entries but holds " + (lines.size() - 2)
                    + " (a partial or damaged file)");
        }
        Map<TopicPartition, Long> highWatermarks = new TreeMap<>();
        for (int i = 2; i < lines.size(); i++) {
            String[] fields = lines.get(i).trim().split(" ");
            if (fields.length != 3) {
                throw corrupt(i + 1, "expected '<topic> <partition> <high watermark>' but found '" + lines.get(i) + "'");
            }
            TopicPartition tp = new TopicPartition(fields[0],
                    (int) number(fields[1], i + 1, "partition", Integer.MAX_VALUE));
            if (highWatermarks.put(tp, number(fields[2], i + 1, "high watermark", Long.MAX_VALUE)) != null) {
                throw corrupt(i + 1, "partition " + tp + " appears twice");
            }
        }
        return highWatermarks;
    }

    private long number(String text, int line, String what, long max) {
        try {
            long value = Long.parseLong(text.trim());
            if (value < 0 || value > max) {
                throw corrupt(line, "the " + what + " " + value + " is out of range");
            }
            return value;
        } catch (NumberFormatException e) {
            throw corrupt(line, "the " + what + " '" + text + "' is not a whole number");
        }
    }

    private LogStorageException corrupt(int line, String problem) {
        return new LogStorageException("high-watermark checkpoint " + file.path() + " is corrupt at line " + line
                + ": " + problem);
    }
}
