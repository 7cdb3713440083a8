package io.wharf.client.dlq;

import java.time.Duration;

/**
 * How often and how long to retry a record that failed: {@code maxAttempts} processing attempts
 * in all, the n-th failure followed by {@code initialDelay * 2^(n-1)}, never more than
 * {@code maxDelay}. Also used for a dead letter or key block whose write fails.
 *
 * @param initialDelay delay after the first failure; not negative
 * @param maxDelay cap on any delay; at least {@code initialDelay}
 * @param maxAttempts attempts before giving up, at least 1 (1 = no retry)
 */
public record RetryBackoff(Duration initialDelay, Duration maxDelay, int maxAttempts) {

    /** 3 attempts, 100 ms after the first failure, doubling, at most 10 s: at most 0.3 s of delays. */
    public static final RetryBackoff DEFAULT = new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 3);

    public RetryBackoff {
        if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException("need 0 <= initial delay <= max delay, got " + initialDelay + " and " + maxDelay);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("max attempts must be at least 1, got " + maxAttempts);
        }
    }

    /** True when {@code failedAttempts} failures leave no attempt to make. */
    public boolean exhausted(int failedAttempts) {
        return failedAttempts >= maxAttempts;
    }

    /**
     * The wait after the {@code failedAttempts}-th failure (1-based) before the next attempt.
     *
     * @throws IllegalArgumentException when {@code failedAttempts} is below 1
     */
    public Duration delayAfter(int failedAttempts) {
        if (failedAttempts < 1) {
            throw new IllegalArgumentException("failed attempts start at 1, got " + failedAttempts);
        }
        long initialNanos = initialDelay.toNanos();
        long maxNanos = maxDelay.toNanos();
        // Doubling stops once it passes the cap, so a large attempt count cannot overflow.
        long delay = initialNanos;
        for (int i = 1; i < failedAttempts && delay < maxNanos; i++) {
            delay = delay > maxNanos / 2 ? maxNanos : delay * 2;
        }
        return Duration.ofNanos(Math.min(delay, maxNanos));
    }
}
