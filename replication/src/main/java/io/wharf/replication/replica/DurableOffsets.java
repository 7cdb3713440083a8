package io.wharf.replication.replica;

import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;

/**
 * Which end offset of a log counts toward the high watermark: in {@code flush.mode=sync} (and
 * {@code deferred}) only what is fsynced, in {@code lazy} mode (an explicit opt-in to page-cache durability) everything
 * appended. Stateless.
 */
public final class DurableOffsets {
    private DurableOffsets() {
    }

    /** The offset below which {@code log}'s records count as durable for replication. */
    public static long durableEnd(Log log) {
        return log.config().flushMode() == FlushMode.LAZY ? log.logEndOffset() : log.flushedOffset();
    }
}
