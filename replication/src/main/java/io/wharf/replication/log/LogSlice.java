package io.wharf.replication.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Whole batches returned by a read: a region of one segment file, so the network layer can send
 * it with {@link #transferTo} without copying through the heap. The region stays readable until
 * the segment is deleted or truncated below it; reading it afterwards throws
 * {@link LogStorageException}. Immutable.
 */
public final class LogSlice {
    private final FileChannel channel;
    private final long position;
    private final int sizeInBytes;
    private final long firstOffset;
    private final long nextOffset;
    private final int batchCount;

    LogSlice(FileChannel channel, long position, int sizeInBytes, long firstOffset, long nextOffset, int batchCount) {
        this.channel = channel;
        this.position = position;
        this.sizeInBytes = sizeInBytes;
        this.firstOffset = firstOffset;
        this.nextOffset = nextOffset;
        this.batchCount = batchCount;
    }

    /** A slice with no batches; {@code offset} is where the next read should start. */
    static LogSlice empty(long offset) {
        return new LogSlice(null, 0, 0, offset, offset, 0);
    }

    /** The segment file; null for an empty slice. Use with {@link #position()} and {@link #sizeInBytes()}. */
    public FileChannel channel() {
        return channel;
    }

    public long position() {
        return position;
    }

    public int sizeInBytes() {
        return sizeInBytes;
    }

    public boolean isEmpty() {
        return sizeInBytes == 0;
    }

    /** Base offset of the first batch (it may hold records before the offset asked for). */
    public long firstOffset() {
        return firstOffset;
    }

    /** The offset just past the last batch: where the next sequential read starts. */
    public long nextOffset() {
        return nextOffset;
    }

    public int batchCount() {
        return batchCount;
    }

    /** Copies the batches into a new heap buffer positioned at 0. */
    public ByteBuffer toByteBuffer() {
        ByteBuffer buffer = ByteBuffer.allocate(sizeInBytes);
        readInto(buffer);
        buffer.flip();
        return buffer;
    }

    /**
     * Copies the batches into {@code target} at its position (reusable, e.g. a direct buffer).
     *
     * @throws IllegalArgumentException if {@code target} has fewer than {@link #sizeInBytes()} bytes remaining
     */
    public void readInto(ByteBuffer target) {
        if (target.remaining() < sizeInBytes) {
            throw new IllegalArgumentException("target has " + target.remaining() + " bytes remaining, the slice needs " + sizeInBytes);
        }
        int end = target.position() + sizeInBytes;
        ByteBuffer window = target.duplicate();
        window.limit(end);
        long at = position;
        try {
            while (window.hasRemaining()) {
                int n = channel.read(window, at);
                if (n < 0) {
                    throw new LogStorageException("segment file shrank under a read at position " + at
                            + "; the log was truncated or its retention deleted this range");
                }
                at += n;
            }
        } catch (IOException e) {
            throw new LogStorageException("cannot read " + sizeInBytes + " bytes at position " + position, e);
        }
        target.position(end);
    }

    /** Sends the batches to {@code target}, zero-copy where the OS supports it; returns bytes sent. */
    public long transferTo(WritableByteChannel target) throws IOException {
        long sent = 0;
        while (sent < sizeInBytes) {
            long n = channel.transferTo(position + sent, sizeInBytes - sent, target);
            if (n <= 0) {
                throw new LogStorageException("segment file shrank under a transfer at position " + (position + sent));
            }
            sent += n;
        }
        return sent;
    }

    @Override
    public String toString() {
        return "LogSlice(offsets " + firstOffset + ".." + nextOffset + ", " + batchCount + " batches, " + sizeInBytes
                + " bytes at " + position + ")";
    }
}
