package io.wharf.replication.log;

import java.util.List;

/**
 * What an append did: its {@code batchCount} batches hold offsets {@code firstOffset..lastOffset},
 * each starting at its entry of {@code batchBaseOffsets}; {@code sizeInBytes} bytes were written;
 * {@code flushed} is true when the data was fsynced before the append returned. The first
 * {@code duplicateBatches} batches were not written: an idempotent producer had written them
 * before, and their offsets are those of that first write. Immutable.
 */
public record LogAppendInfo(long firstOffset, long lastOffset, int batchCount, int sizeInBytes, boolean flushed,
                            List<Long> batchBaseOffsets, int duplicateBatches) {

    public LogAppendInfo {
        batchBaseOffsets = List.copyOf(batchBaseOffsets);
    }

    /** The log end offset right after this append. */
    public long nextOffset() {
        return lastOffset + 1;
    }
}
