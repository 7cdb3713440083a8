package io.wharf.replication.log;

/**
 * What an append wrote: offsets {@code firstOffset..lastOffset} in {@code batchCount} batches of
 * {@code sizeInBytes} bytes in total; {@code flushed} is true when the data was fsynced before the
 * append returned. Immutable.
 */
public record LogAppendInfo(long firstOffset, long lastOffset, int batchCount, int sizeInBytes, boolean flushed) {

    /** The log end offset right after this append. */
    public long nextOffset() {
        return lastOffset + 1;
    }
}
