package io.wharf.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;

/**
 * A small text file replaced atomically: written to {@code <name>.tmp}, fsynced, renamed over
 * the old file, then the directory is fsynced, so a crash leaves either the old or the new
 * content. Used for the log's own checkpoints and, by the broker, for its high-watermark
 * checkpoint. Stateless apart from the path; callers serialize writes to one file.
 */
public final class CheckpointFile {
    private final Path file;

    public CheckpointFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    /**
     * The file's lines, or empty if it does not exist.
     *
     * @throws LogStorageException if it exists but cannot be read
     */
    public Optional<List<String>> read() {
        try {
            return Optional.of(Files.readAllLines(file, StandardCharsets.UTF_8));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new LogStorageException("cannot read " + file, e);
        }
    }

    /**
     * Replaces the file's content with {@code lines} atomically (temporary file, fsync, rename,
     * directory fsync).
     *
     * @throws LogStorageException if any step fails; the old content is then still in place
     */
    public void write(List<String> lines) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        byte[] bytes = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            fsyncDirectory(file.getParent());
        } catch (IOException e) {
            throw new LogStorageException("cannot write checkpoint " + file, e);
        }
    }

    /** Makes renames, creations and deletions in {@code dir} durable (Linux: fsync on the directory). */
    static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    /** Parses {@code text} as a long, naming the file when it is not one. */
    long parseLong(String text, String what) {
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new LogStorageException("checkpoint " + file + " has a malformed " + what + ": '" + text + "'");
        }
    }
}
