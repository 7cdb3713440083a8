package io.wharf.cli.bench;

/**
 * Paces sends to a target rate, like Kafka's ThroughputThrottler: after {@code sent} records at
 * {@code elapsedNanos}, how long to wait before the next one. Immutable; pure.
 */
public final class Throttle {

    private final double recordsPerSecond;

    /** @param recordsPerSecond target rate; zero or negative means unthrottled */
    public Throttle(double recordsPerSecond) {
        this.recordsPerSecond = recordsPerSecond;
    }

    /** Nanoseconds to wait before sending record number {@code sent} (0-based); 0 when on or behind schedule. */
    public long delayNanos(long sent, long elapsedNanos) {
        if (recordsPerSecond <= 0) {
            return 0;
        }
        long due = (long) (sent * 1e9 / recordsPerSecond);
        return Math.max(0, due - elapsedNanos);
    }
}
