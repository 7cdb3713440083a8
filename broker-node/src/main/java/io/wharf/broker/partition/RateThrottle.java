package io.wharf.broker.partition;

import io.wharf.replication.log.IoThrottle;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps the average rate of the I/O it is told about at or under a limit, as Kafka's Throttler
 * does for its log cleaner: bytes are counted over a period; once the period has lasted
 * {@link #CHECK_INTERVAL_NANOS}, or its bytes are more than the limit allows in that long, the
 * caller sleeps for whatever the period is short of the time its bytes take at the limit, and a
 * new period starts. So the cleaner sleeps in pieces of about the interval rather than after every
 * chunk, a burst is at most one interval's worth of bytes, and it never sleeps longer than the
 * limit requires. Time and sleeping are injected, so tests run it on a fake clock.
 *
 * <p>Not thread-safe: one cleaning thread uses it at a time (see {@link IoThrottle}).
 */
final class RateThrottle implements IoThrottle {

    /** Kafka's cleaner checks its rate every 300 ms. */
    static final long CHECK_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    private static final double NANOS_PER_SECOND = 1e9;

    /** Blocks the calling thread; the broker's wakes up early, throwing, when the cleaner stops. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(long nanos) throws InterruptedException;
    }

    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private long periodStartNanos;
    private long periodBytes;

    /**
     * @param bytesPerSecond the limit, at least 1
     * @param nanoTime       a monotonic clock in nanoseconds ({@link System#nanoTime()})
     * @throws IllegalArgumentException when the limit is below 1
     */
    RateThrottle(long bytesPerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        if (bytesPerSecond < 1) {
            throw new IllegalArgumentException("log.cleaner.io.max.bytes.per.second is " + bytesPerSecond
                    + " but must be at least 1");
        }
        this.bytesPerSecond = bytesPerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
        this.periodStartNanos = nanoTime.getAsLong();
    }

    @Override
    public void onBytes(long bytes) throws InterruptedException {
        if (bytes < 0) {
            throw new IllegalArgumentException("told of " + bytes + " bytes of I/O; a count cannot be negative");
        }
        periodBytes += bytes;
        long elapsed = nanoTime.getAsLong() - periodStartNanos;
        long due = nanosAtLimit(periodBytes);
        if (elapsed < CHECK_INTERVAL_NANOS && due < CHECK_INTERVAL_NANOS) {
            return;
        }
        if (due > elapsed) {
            sleeper.sleep(due - elapsed);
        }
        periodStartNanos = nanoTime.getAsLong();
        periodBytes = 0;
    }

    /** How long {@code bytes} take at the limit. */
    private long nanosAtLimit(long bytes) {
        return (long) Math.ceil(bytes * NANOS_PER_SECOND / bytesPerSecond);
    }

    @Override
    public String toString() {
        return "RateThrottle(" + bytesPerSecond + " bytes/s)";
    }
}
