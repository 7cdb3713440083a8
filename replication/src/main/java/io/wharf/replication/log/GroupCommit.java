package io.wharf.replication.log;

import java.util.function.LongSupplier;

/**
 * Makes appended data durable with as few fsyncs as possible, using the appending threads
 * themselves (no thread of its own): a thread that needs offset N flushed either finds it already
 * flushed, waits while another thread's fsync is in flight, or becomes the flusher. The flusher
 * notes the log end offset, fsyncs, and then marks everything up to the noted offset flushed —
 * covering every append that completed before its fsync began, so concurrent appenders share one
 * fsync. Thread-safe.
 */
final class GroupCommit {

    /**
     * The fsync itself; must cover every byte appended before it is called. It reports a failure
     * with an unchecked exception ({@link LogOfflineException} for a {@link Log}), which
     * {@link #awaitFlushed} passes on without marking anything flushed.
     */
    interface Flusher {
        void flush();
    }

    private final Object monitor = new Object();
    private final LongSupplier logEndOffset;
    private final Flusher flusher;
    private boolean flushing;
    private long generation;
    private volatile long flushedOffset;
    private long fsyncCount;

    GroupCommit(LongSupplier logEndOffset, Flusher flusher, long initiallyFlushed) {
        this.logEndOffset = logEndOffset;
        this.flusher = flusher;
        this.flushedOffset = initiallyFlushed;
    }

    /** Every offset below this is on disk. */
    long flushedOffset() {
        return flushedOffset;
    }

    /** fsyncs performed through {@link #awaitFlushed}, for tests and metrics. */
    long fsyncCount() {
        synchronized (monitor) {
            return fsyncCount;
        }
    }

    /**
     * Returns once every offset below {@code offset} is durable, fsyncing if no other thread is.
     *
     * @throws LogStorageException if the thread is interrupted while waiting (the data stays
     *     appended, only its durability is unknown)
     * @throws RuntimeException whatever the flusher throws when the fsync fails
     * @throws AppendTruncatedException if the log was truncated below {@code offset} first
     */
    void awaitFlushed(long offset) {
        while (true) {
            long startGeneration;
            synchronized (monitor) {
                while (flushing && flushedOffset < offset) {
                    try {
                        monitor.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new LogStorageException("interrupted while waiting for the fsync of offsets below " + offset
                                + "; the data is appended but may not be durable");
                    }
                }
                if (flushedOffset >= offset) {
                    return;
                }
                long end = logEndOffset.getAsLong();
                if (end < offset) {
                    throw new AppendTruncatedException(offset, end);
                }
                flushing = true;
                startGeneration = generation;
            }
            long target = logEndOffset.getAsLong();
            boolean done = false;
            try {
                flusher.flush();
                done = true;
            } finally {
                synchronized (monitor) {
                    flushing = false;
                    if (done) {
                        fsyncCount++;
                        if (generation == startGeneration && target > flushedOffset) {
                            flushedOffset = target;
                        }
                    }
                    monitor.notifyAll();
                }
            }
        }
    }

    /** Records a flush done elsewhere (segment roll, explicit flush, close) covering offsets below {@code offset}. */
    void markFlushed(long offset) {
        synchronized (monitor) {
            if (offset > flushedOffset) {
                flushedOffset = offset;
            }
        }
    }

    /**
     * The log was truncated to {@code logEndOffset}: the flushed offset drops to it and an fsync in
     * flight may not claim offsets it noted before the truncation.
     */
    void onTruncate(long logEndOffset) {
        synchronized (monitor) {
            generation++;
            if (flushedOffset > logEndOffset) {
                flushedOffset = logEndOffset;
            }
        }
    }
}
