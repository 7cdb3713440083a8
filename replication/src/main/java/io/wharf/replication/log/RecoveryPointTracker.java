package io.wharf.replication.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows which sealed segments of a {@link Log} are fsynced, derives the recovery point from that,
 * and is the only writer of {@code log-offsets.checkpoint} and of the flushed offset a roll
 * earns. A sealed segment is either fsynced inline by the roll ({@link #sealedAndFlushed}) or
 * registered as a {@link PendingFlush} that a caller-provided executor runs later
 * ({@link #sealedPendingFlush}). The recovery point is the base offset of the oldest segment
 * whose fsync has not completed, or of the active segment when none is pending, so it (and the
 * flushed offset and the checkpoint) advance only after an fsync has returned.
 *
 * <p>A failed fsync is never retried: it takes the log offline ({@link OfflineSwitch}), since a
 * second fsync may report success for pages the first one lost. The failed segment stays pending,
 * so the recovery point stays below it.
 *
 * <p>Threading: thread-safe. All state is guarded by one monitor; it is the innermost lock of a
 * {@code Log} (taken under the append and structure locks, never the other way round) and no
 * fsync of segment data runs while it is held — only the small checkpoint write does. Waiting
 * for an fsync in progress ({@link #forgetRange}, {@link #flushNow}) is uninterruptible because
 * an fsync cannot be abandoned halfway; the wait is bounded by one segment's fsync.
 */
final class RecoveryPointTracker {
    private static final Logger LOG = LoggerFactory.getLogger(RecoveryPointTracker.class);

    /** fsyncs a sealed segment's data and indexes: {@link LogSegment#flushAll}, or a stand-in that tests can hold. */
    interface SegmentFsync {
        void fsync(LogSegment segment) throws IOException;
    }

    /** Where a pending flush stands. Done or cancelled flushes leave the tracker's map instead. */
    private enum State { QUEUED, RUNNING, FAILED }

    /**
     * The fsync of one sealed segment, to be run once by the flush executor. Running it after the
     * flush was done inline, cancelled (segment truncated or deleted) or the log closed does
     * nothing. Thread-safe.
     */
    final class PendingFlush implements Runnable {
        private final LogSegment segment;
        private State state = State.QUEUED;

        private PendingFlush(LogSegment segment) {
            this.segment = segment;
        }

        @Override
        public void run() {
            runInBackground(this);
        }

        @Override
        public String toString() {
            return "PendingFlush(" + segment + ")";
        }
    }

    private final Object monitor = new Object();
    private final LogOffsetsCheckpoint checkpoint;
    private final GroupCommit groupCommit;
    private final LongSupplier logStartOffset;
    private final SegmentFsync segmentFsync;
    private final OfflineSwitch offline;
    /** Base offset → flush of each sealed segment whose fsync has not completed. */
    private final TreeMap<Long, PendingFlush> pending = new TreeMap<>();
    /** Base offset of the segment that became active at the last roll: every offset below it is sealed. */
    private long sealedBelow;

    /**
     * @param sealedBelow the recovery point the log starts from (everything below it is durable)
     * @param logStartOffset read whenever the checkpoint is written
     */
    RecoveryPointTracker(LogOffsetsCheckpoint checkpoint, GroupCommit groupCommit, LongSupplier logStartOffset,
                         long sealedBelow, SegmentFsync segmentFsync, OfflineSwitch offline) {
        this.checkpoint = checkpoint;
        this.segmentFsync = segmentFsync;
        this.offline = offline;
        this.groupCommit = groupCommit;
        this.logStartOffset = logStartOffset;
        this.sealedBelow = sealedBelow;
    }

    /** Every segment wholly below this offset is fsynced with its indexes; recovery scans from the segment holding it. */
    long recoveryPoint() {
        synchronized (monitor) {
            return recoveryPointLocked();
        }
    }

    /** Sealed segments whose fsync has not completed yet (queued, running or failed). */
    int pendingFlushes() {
        synchronized (monitor) {
            return pending.size();
        }
    }

    private long recoveryPointLocked() {
        return pending.isEmpty() ? sealedBelow : Math.min(sealedBelow, pending.firstKey());
    }

    /** A roll sealed and fsynced the old segment inline; {@code newActiveBase} starts the new one. */
    void sealedAndFlushed(long newActiveBase) {
        synchronized (monitor) {
            sealedBelow = newActiveBase;
            publishLocked();
        }
    }

    /**
     * A roll sealed {@code segment} without fsyncing it. The recovery point stays where it is
     * until the returned flush has run (on the executor, or through {@link #flushNow}).
     */
    PendingFlush sealedPendingFlush(LogSegment segment, long newActiveBase) {
        PendingFlush flush = new PendingFlush(segment);
        synchronized (monitor) {
            pending.put(segment.baseOffset(), flush);
            sealedBelow = newActiveBase;
        }
        return flush;
    }

    /**
     * The body of a pending flush on the executor's thread. A failure takes the log offline and
     * tells its listeners on this thread; nothing is thrown to the executor, and no appender sees
     * it until its next call, which the offline log refuses.
     */
    private void runInBackground(PendingFlush flush) {
        synchronized (monitor) {
            if (!isCurrent(flush) || flush.state != State.QUEUED || offline.isOffline()) {
                return;
            }
            flush.state = State.RUNNING;
        }
        try {
            fsyncSegment(flush);
            retire(flush);
        } catch (LogOfflineException e) {
            LOG.debug("background flush of {} ended with the log offline", flush.segment, e);
        }
    }

    /**
     * Makes {@code flush}'s segment durable on the calling thread: runs the fsync if it is queued,
     * waits if another thread is running it, returns at once if it is done or was cancelled.
     *
     * @throws LogOfflineException if the fsync (or the checkpoint write after it) fails, or an
     *     earlier failure took the log offline
     */
    void flushNow(PendingFlush flush) {
        synchronized (monitor) {
            awaitWhile(() -> isCurrent(flush) && flush.state == State.RUNNING);
            if (!isCurrent(flush)) {
                return;
            }
            offline.ensureOnline();
            flush.state = State.RUNNING;
        }
        fsyncSegment(flush);
        retire(flush);
    }

    /** {@link #flushNow} for every pending flush, oldest first. */
    void flushAllPending() {
        List<PendingFlush> snapshot;
        synchronized (monitor) {
            snapshot = new ArrayList<>(pending.values());
        }
        for (PendingFlush flush : snapshot) {
            flushNow(flush);
        }
    }

    /**
     * fsyncs a flush the caller claimed (set RUNNING). On failure the log goes offline first and
     * only then is the flush marked FAILED, so no thread waiting for it can start a retry.
     */
    private void fsyncSegment(PendingFlush flush) {
        try {
            segmentFsync.fsync(flush.segment);
        } catch (IOException | UncheckedIOException e) {
            LogOfflineException fault = offline.fail("fsync of sealed segment " + flush.segment, e);
            synchronized (monitor) {
                flush.state = State.FAILED;
                monitor.notifyAll();
            }
            throw fault;
        }
    }

    /** A claimed flush's fsync returned: drop it and publish the recovery point it may have advanced. */
    private void retire(PendingFlush flush) {
        offline.run("checkpoint after the fsync of " + flush.segment, () -> {
            synchronized (monitor) {
                pending.remove(flush.segment.baseOffset(), flush);
                monitor.notifyAll();
                publishLocked();
            }
        });
    }

    /**
     * Drops the pending flushes of segments with base offsets in [{@code from}, {@code to}) because
     * the caller is about to truncate or delete them. A flush that has not started is cancelled
     * (its task will do nothing); one in progress is waited for, so no fsync ever runs on a
     * channel being truncated or closed. Does not write the checkpoint.
     */
    void forgetRange(long from, long to) {
        synchronized (monitor) {
            awaitWhile(() -> pending.subMap(from, to).values().stream().anyMatch(f -> f.state == State.RUNNING));
            pending.subMap(from, to).clear();
            monitor.notifyAll();
        }
    }

    /** The log was truncated to {@code logEndOffset} (after {@link #forgetRange} for the segments it touched). */
    void truncated(long logEndOffset) {
        synchronized (monitor) {
            sealedBelow = Math.min(sealedBelow, logEndOffset);
            groupCommit.onTruncate(logEndOffset);
            checkpoint.write(logStartOffset.getAsLong(), recoveryPointLocked());
        }
    }

    /**
     * The log was emptied and restarted at {@code offset} (after {@link #forgetRange} of every
     * segment): nothing below it needs an fsync any more, so the recovery point and the flushed
     * offset become {@code offset}, and the checkpoint is written with the new log start offset.
     */
    void restartedAt(long offset) {
        synchronized (monitor) {
            sealedBelow = offset;
            groupCommit.onTruncate(offset);
            groupCommit.markFlushed(offset);
            checkpoint.write(logStartOffset.getAsLong(), offset);
        }
    }

    /**
     * Persists the current log start offset with the recovery point, and lets the flushed offset
     * follow the recovery point (after {@link #forgetRange} of deleted segments it may pass
     * offsets that now lie below the log start and need no fsync).
     */
    void publish() {
        synchronized (monitor) {
            publishLocked();
        }
    }

    /**
     * Close fsynced everything up to {@code logEndOffset} (after {@link #flushAllPending}).
     *
     * @throws IllegalStateException if a flush is still pending, which would be a bug in the caller
     */
    void closed(long logEndOffset) {
        synchronized (monitor) {
            if (!pending.isEmpty()) {
                throw new IllegalStateException("closing with unflushed sealed segments " + pending.values());
            }
            sealedBelow = logEndOffset;
            publishLocked();
        }
    }

    private boolean isCurrent(PendingFlush flush) {
        return pending.get(flush.segment.baseOffset()) == flush;
    }

    private void publishLocked() {
        long recoveryPoint = recoveryPointLocked();
        groupCommit.markFlushed(recoveryPoint);
        checkpoint.write(logStartOffset.getAsLong(), recoveryPoint);
    }

    /**
     * Waits on the monitor (held by the caller) while {@code condition} holds. An fsync cannot be
     * abandoned, so an interrupt is remembered and restored on return instead of ending the wait.
     */
    private void awaitWhile(BooleanSupplier condition) {
        boolean interrupted = false;
        while (condition.getAsBoolean()) {
            try {
                monitor.wait();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
