package io.wharf.replication.log;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The cleaner's key → latest offset map for one cleaning, bounded by
 * {@code log.cleaner.dedupe.buffer.size}. It holds whole keys, not hashes (Kafka keeps 16-byte
 * MD5 digests and accepts that two colliding keys lose one): a collision here could drop the
 * only live record of a key, and correctness comes before the memory a digest would save. Each
 * entry is charged its key's length plus {@link #ENTRY_OVERHEAD_BYTES} for the map's own objects.
 * Single-threaded: owned by the cleaning that builds it.
 */
final class OffsetMap {
    /** Heap bytes an entry costs besides its key: the node, the key wrapper and array header, the boxed offset. */
    static final int ENTRY_OVERHEAD_BYTES = 96;

    private final long capacityBytes;
    private final Map<Key, Long> offsets = new HashMap<>();
    private long usedBytes;

    OffsetMap(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /**
     * Records {@code offset} as the latest of {@code key} (offsets arrive in increasing order).
     *
     * @return false, changing nothing, when a new key would not fit
     */
    boolean put(byte[] key, long offset) {
        Key wrapped = new Key(key);
        Long previous = offsets.get(wrapped);
        if (previous == null) {
            long cost = key.length + ENTRY_OVERHEAD_BYTES;
            if (usedBytes + cost > capacityBytes) {
                return false;
            }
            usedBytes += cost;
        }
        offsets.put(wrapped, offset);
        return true;
    }

    /** The latest offset of {@code key}, or -1 when the map does not hold it. */
    long latest(byte[] key) {
        Long offset = offsets.get(new Key(key));
        return offset == null ? -1 : offset;
    }

    int size() {
        return offsets.size();
    }

    /** A key compared by content. */
    private static final class Key {
        private final byte[] bytes;
        private final int hash;

        Key(byte[] bytes) {
            this.bytes = bytes;
            this.hash = Arrays.hashCode(bytes);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key other && other.hash == hash && Arrays.equals(other.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
