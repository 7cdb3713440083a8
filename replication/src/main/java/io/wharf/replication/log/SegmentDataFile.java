package io.wharf.replication.log;

import io.wharf.record.RecordBatch;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.CRC32C;

/**
 * The data file ({@code .log}) of one {@link LogSegment}, batches back to back, opened through
 * {@link LogFileChannels} (as Kafka's FileRecords). What is done to its bytes happens here:
 * writing a run of batches (cut back when the write fails), reading batch headers and whole
 * batches, the CRC of a stored batch, cutting the tail, fsync, rename and deletion. What the bytes
 * mean (offsets, indexes, the committed size) is the segment's: reads stop at an end the caller
 * passes, the segment's committed size, so they never see a batch whose append is under way.
 *
 * <p>A file that takes appends is written with zeros ahead of its data, {@code preallocateBytes}
 * at a time ({@link #write}), and cut back to its data when its segment is sealed
 * ({@link #trimTo}): at a roll, and at a clean shutdown, which seals the active segment. An
 * append then overwrites blocks the file already has, so the fsync after it writes the data
 * alone: on ext4 an fsync of a file that grew also writes its inode (a second synchronous write,
 * ~a quarter of the fsync's CPU measured with {@code perf}). A crash leaves the zeros in place; a
 * header of zeros ends the batches like the end of the file does, and recovery takes a tail of
 * zeros for the end of the data ({@link RecoveryScan}).
 *
 * <p>Threading: as its segment's; positional reads run concurrently with the single writer.
 */
final class SegmentDataFile {
    private static final int ZEROS_CHUNK = 64 * 1024;
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(ZEROS_CHUNK).asReadOnlyBuffer();

    private final FileChannel channel;
    private final int preallocateBytes;
    /** Bytes in the file: the data, then zeros written ahead of it. Touched by the writing thread only. */
    private int fileEnd;
    /** Changed only by {@link #renameTo}, by the thread that owns the segment before it is published. */
    private Path file;

    /**
     * @param preallocateBytes how far ahead of its data {@link #write} extends the file with zeros,
     *                         in steps of this size; 0 extends it only by what is written
     */
    SegmentDataFile(Path file, LogFileChannels channels, int preallocateBytes) throws IOException {
        this.file = file;
        this.channel = channels.open(file);
        this.preallocateBytes = preallocateBytes;
        try {
            this.fileEnd = (int) Math.min(channel.size(), Integer.MAX_VALUE);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    Path file() {
        return file;
    }

    /** Bytes in the file now, committed or not (at most {@link Integer#MAX_VALUE}). */
    int length() throws IOException {
        return (int) Math.min(channel.size(), Integer.MAX_VALUE);
    }

    /** The header of the batch at {@code position}, or null when no whole batch starts there before {@code end}. */
    FileBatchHeader headerAt(int position, int end, ByteBuffer scratch) throws IOException {
        return FileBatchHeader.read(channel, position, end, scratch);
    }

    /**
     * Writes all of {@code bytes} at {@code start}, first extending the file with zeros to the
     * next multiple of the preallocation step past them when they would reach beyond it. When
     * that fails part way (a full disk) the file is cut back to {@code start}, which needs no
     * space: bytes past the committed size belong to no batch.
     */
    void write(ByteBuffer bytes, int start) throws IOException {
        long at = start;
        long end = (long) start + bytes.remaining();
        ByteBuffer source = bytes.duplicate();
        try {
            if (preallocateBytes > 0 && end > fileEnd) {
                long steps = (end + preallocateBytes - 1) / preallocateBytes;
                long ahead = Math.min(Integer.MAX_VALUE, steps * preallocateBytes);
                writeZeros(Math.max(end, fileEnd), ahead);
                fileEnd = (int) ahead;
            }
            while (source.hasRemaining()) {
                at += channel.write(source, at);
            }
            fileEnd = (int) Math.max(fileEnd, at);
        } catch (IOException e) {
            try {
                channel.truncate(start);
                fileEnd = start;
            } catch (IOException truncation) {
                e.addSuppressed(truncation);
            }
            throw e;
        }
    }

    private void writeZeros(long from, long to) throws IOException {
        long at = from;
        while (at < to) {
            ByteBuffer zeros = ZEROS.duplicate();
            zeros.limit((int) Math.min(ZEROS_CHUNK, to - at));
            while (zeros.hasRemaining()) {
                at += channel.write(zeros, at);
            }
        }
    }

    /** Cuts the zeros written ahead of the data off the file, so it ends with its last batch at {@code dataEnd}. */
    void trimTo(int dataEnd) throws IOException {
        if (fileEnd > dataEnd) {
            channel.truncate(dataEnd);
            fileEnd = dataEnd;
        }
    }

    /** True when every byte from {@code position} to {@code end} is zero: a tail written ahead of the data. */
    boolean zeroFrom(int position, int end) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(ZEROS_CHUNK);
        long at = position;
        while (at < end) {
            chunk.clear().limit((int) Math.min(ZEROS_CHUNK, end - at));
            int n = channel.read(chunk, at);
            if (n < 0) {
                return true;
            }
            for (int i = 0; i < n; i++) {
                if (chunk.get(i) != 0) {
                    return false;
                }
            }
            at += n;
        }
        return true;
    }

    /** The whole batch {@code header} describes, read into a new heap buffer. */
    RecordBatch readBatch(FileBatchHeader header) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(header.size());
        long at = header.position();
        while (bytes.hasRemaining()) {
            int n = channel.read(bytes, at);
            if (n < 0) {
                throw new LogStorageException("segment " + file + " ended at " + at + " inside a batch");
            }
            at += n;
        }
        bytes.flip();
        return RecordBatch.wrap(bytes);
    }

    /**
     * The CRC-32C of the bytes the CRC field of the batch {@code header} describes covers (from
     * its attributes to its end), read through {@code chunk}; -1 when the file ends first.
     */
    long crcOf(FileBatchHeader header, ByteBuffer chunk) throws IOException {
        CRC32C crc = new CRC32C();
        long at = header.position() + RecordBatch.ATTRIBUTES_OFFSET;
        long end = (long) header.position() + header.size();
        while (at < end) {
            chunk.clear().limit((int) Math.min(chunk.capacity(), end - at));
            int n = channel.read(chunk, at);
            if (n < 0) {
                return -1;
            }
            chunk.flip();
            crc.update(chunk);
            at += n;
        }
        return crc.getValue();
    }

    /** The batches from {@code first} on, {@code sizeInBytes} of them, for a reader to transfer. */
    LogSlice slice(FileBatchHeader first, int sizeInBytes, long nextOffset, int batchCount) {
        return new LogSlice(channel, first.position(), sizeInBytes, first.baseOffset(), nextOffset, batchCount);
    }

    /** Cuts the file to {@code length} bytes and fsyncs the cut. */
    void cut(int length) throws IOException {
        channel.truncate(length);
        fileEnd = Math.min(fileEnd, length);
        channel.force(true);
    }

    /** fsyncs the data, not the file's metadata. */
    void flushData() throws IOException {
        channel.force(false);
    }

    /** fsyncs the data and the file's metadata. */
    void flushAll() throws IOException {
        channel.force(true);
    }

    /** Renames the file; the open channel stays valid. */
    void renameTo(Path target) throws IOException {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        file = target;
    }

    void close() throws IOException {
        channel.close();
    }

    /** Closes and removes the file. */
    void delete() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }
}
