package io.wharf.broker.console;

import java.time.Clock;
import java.util.Optional;

/**
 * The latest console snapshot (as JSON) and its version, handed from the refresher to every page
 * streaming it. Each snapshot is whole, so a page that misses some only sees fewer steps. Thread-safe.
 */
final class ConsoleFeed {

    /** One published snapshot; versions count up from 1. */
    record Update(long version, String json) {
    }

    private final Clock clock;
    private Update latest;          // guarded by this; null before the first publish
    private boolean closed;         // guarded by this
    private int streams;            // guarded by this: pages streaming snapshots now
    private long lastReadAtMs = -1; // guarded by this: when a snapshot was last read through the API, -1 never

    ConsoleFeed(Clock clock) {
        this.clock = clock;
    }

    synchronized void publish(String json) {
        latest = new Update(latest == null ? 1 : latest.version() + 1, json);
        notifyAll();
    }

    /** The latest snapshot, if one was published, for a one-off read (the snapshot API). */
    synchronized Optional<Update> latest() {
        lastReadAtMs = clock.millis();
        return Optional.ofNullable(latest);
    }

    /** A page starts streaming snapshots; {@link #streamEnded()} must follow. */
    synchronized void streamStarted() {
        streams++;
    }

    synchronized void streamEnded() {
        streams--;
    }

    /** Whether a page streams snapshots now, or one was read through the API at or after {@code sinceMs}. */
    synchronized boolean watchedSince(long sinceMs) {
        return streams > 0 || (lastReadAtMs >= 0 && lastReadAtMs >= sinceMs);
    }

    /**
     * Waits up to {@code timeoutMs} for a snapshot newer than {@code seenVersion} (0: none seen).
     *
     * @return that snapshot, or empty when none came in time or the feed was closed
     */
    synchronized Optional<Update> awaitNewerThan(long seenVersion, long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        while (!closed && (latest == null || latest.version() <= seenVersion)) {
            long leftMs = (deadline - System.nanoTime()) / 1_000_000;
            if (leftMs <= 0) {
                return Optional.empty();
            }
            wait(leftMs);
        }
        return closed ? Optional.empty() : Optional.of(latest);
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Ends every wait: the streams close. */
    synchronized void close() {
        closed = true;
        notifyAll();
    }
}
