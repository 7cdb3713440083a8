package io.wharf.cluster;

import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;

/**
 * Damages the last batch of a partition's newest segment file, as an interrupted write or a bad
 * sector would: either cuts the file in the middle of that batch, or flips one bit of it inside
 * the CRC-covered bytes. The newest segment is always re-checked by recovery after an unclean
 * stop, so the broker must truncate the damage away and fetch the lost tail from the leader.
 * Stateless; works on the files of a stopped broker.
 */
final class SegmentDamage {

    /** The first byte a batch's CRC covers (attributes onwards, as in Kafka's v2 format). */
    private static final int CRC_COVERED_FROM = RecordBatch.ATTRIBUTES_OFFSET;

    private SegmentDamage() {
    }

    /**
     * Damages the last batch in the newest segment of {@code partitionDir}; returns what was done,
     * or empty when that segment holds no batch yet.
     */
    static Optional<String> damageLastBatch(Path partitionDir, Random random) {
        Optional<Path> segment = newestSegment(partitionDir);
        if (segment.isEmpty()) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(segment.get(), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            long[] last = lastBatch(channel);
            if (last == null) {
                return Optional.empty();
            }
            long position = last[0];
            int size = (int) last[1];
            if (random.nextBoolean()) {
                long cutAt = position + 1 + random.nextInt(size - 1);
                channel.truncate(cutAt);
                return Optional.of("cut " + segment.get().getFileName() + " at byte " + cutAt
                        + ", inside its last batch (" + position + ".." + (position + size) + ")");
            }
            long at = position + CRC_COVERED_FROM + random.nextInt(size - CRC_COVERED_FROM);
            ByteBuffer one = ByteBuffer.allocate(1);
            channel.read(one, at);
            byte flipped = (byte) (one.get(0) ^ (1 << random.nextInt(8)));
            channel.write(ByteBuffer.wrap(new byte[] {flipped}), at);
            return Optional.of("flipped a bit of byte " + at + " of " + segment.get().getFileName()
                    + ", inside its last batch (" + position + ".." + (position + size) + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot damage the newest segment of " + partitionDir, e);
        }
    }

    private static Optional<Path> newestSegment(Path partitionDir) {
        if (!Files.isDirectory(partitionDir)) {
            return Optional.empty();
        }
        Path newest = null;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(partitionDir, "*.log")) {
            for (Path file : files) {
                if (newest == null || baseOffset(file) > baseOffset(newest)) {
                    newest = file;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the segments of " + partitionDir, e);
        }
        return Optional.ofNullable(newest);
    }

    private static long baseOffset(Path segment) {
        String name = segment.getFileName().toString();
        return Long.parseLong(name.substring(0, name.length() - ".log".length()));
    }

    /**
     * The position and size of the last whole batch, walking the length fields from the start;
     * null when there is none. Stops at the first length that does not fit (zeros past the end of
     * a preallocated file, or a torn tail).
     */
    private static long[] lastBatch(FileChannel channel) throws IOException {
        long end = channel.size();
        ByteBuffer header = ByteBuffer.allocate(RecordBatch.LOG_OVERHEAD);
        long position = 0;
        long[] last = null;
        while (end - position >= RecordBatch.HEADER_SIZE) {
            header.clear();
            channel.read(header, position);
            long size = (long) header.getInt(RecordBatch.LENGTH_OFFSET) + RecordBatch.LOG_OVERHEAD;
            if (size < RecordBatch.HEADER_SIZE || position + size > end) {
                break;
            }
            last = new long[] {position, size};
            position += size;
        }
        return last;
    }
}
