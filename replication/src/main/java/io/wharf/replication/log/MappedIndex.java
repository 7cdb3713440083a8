package io.wharf.replication.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A fixed-entry-size index file, preallocated and memory-mapped. Entries are appended by the
 * single writer (the {@link Log} under its append lock) and published through a volatile count,
 * so lookups from reader threads see only complete entries. The file is trimmed to its entries
 * when its segment stops being active and grown back to the preallocated size when it becomes
 * active again.
 */
abstract class MappedIndex {
    /** Changed only by {@link #renameTo}, by the segment's owner before the segment is published. */
    private Path file;
    private final int entrySize;
    protected final long baseOffset;
    private volatile MappedByteBuffer mmap;
    private volatile int entries;

    MappedIndex(Path file, long baseOffset, int preallocatedBytes, int entrySize) throws IOException {
        this.file = file;
        this.baseOffset = baseOffset;
        this.entrySize = entrySize;
        boolean existed = Files.exists(file);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            if (!existed) {
                raf.setLength(roundDown(preallocatedBytes));
            }
            long length = raf.length();
            this.mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
            this.entries = existed ? (int) (roundDown(length) / entrySize) : 0;
        }
    }

    private long roundDown(long bytes) {
        return bytes / entrySize * entrySize;
    }

    Path file() {
        return file;
    }

    /** Entries written so far. */
    int entries() {
        return entries;
    }

    /** Whether {@code count} more entries fit in the mapped file. */
    boolean hasRoomFor(int count) {
        return entries + count <= mmap.capacity() / entrySize;
    }

    protected MappedByteBuffer buffer() {
        return mmap;
    }

    protected int slotPosition(int slot) {
        return slot * entrySize;
    }

    /** Publishes one more entry after the subclass wrote it at {@link #slotPosition(int)} of {@link #entries()}. */
    protected void publishEntry() {
        entries = entries + 1;
    }

    /** Keeps only the first {@code count} entries. */
    protected void truncateEntries(int count) {
        entries = Math.min(entries, count);
    }

    /**
     * Index of the last slot whose key is ≤ {@code target} (or &lt; it when {@code strict}), or -1.
     */
    protected int floorSlot(long target, boolean strict) {
        MappedByteBuffer buffer = mmap;
        int low = 0;
        int high = Math.min(entries, buffer.capacity() / entrySize) - 1;
        int found = -1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            long key = keyAt(buffer, mid);
            if (key < target || (!strict && key == target)) {
                found = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return found;
    }

    /** The search key of {@code slot} in {@code buffer}. */
    protected abstract long keyAt(MappedByteBuffer buffer, int slot);

    /** Resizes the file to {@code bytes} (rounded down to whole entries, never below the entries in use) and remaps it. */
    void resize(int bytes) throws IOException {
        long newLength = Math.max(roundDown(bytes), (long) entries * entrySize);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(newLength);
            mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, newLength);
        }
    }

    /** Shrinks the file to exactly its entries, as inactive segments keep it. */
    void trimToEntries() throws IOException {
        resize(entries * entrySize);
    }

    /** Drops every entry, for a rebuild. */
    void reset() {
        entries = 0;
    }

    void flush() {
        mmap.force();
    }

    void delete() throws IOException {
        Files.deleteIfExists(file);
    }

    /** Renames the file; the mapping stays valid. */
    void renameTo(Path target) throws IOException {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
        file = target;
    }
}
