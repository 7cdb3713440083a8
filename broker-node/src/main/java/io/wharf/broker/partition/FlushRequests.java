package io.wharf.broker.partition;

/** Takes requests to fsync a replica's log soon, off the requesting thread. Thread-safe. */
@FunctionalInterface
public interface FlushRequests {

    /** Asks for {@link Partition#flushLog()} of {@code partition}; requests made meanwhile share one fsync. */
    void requestFlush(Partition partition);
}
