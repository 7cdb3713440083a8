package io.wharf.cli.bench;

/**
 * Paces sends to a target rate as Kafka's ThroughputThrottler does: records go out on schedule,
 * but the sender sleeps only once it is at least {@value #MIN_SLEEP_NANOS} ns ahead, and then
 * until the next record is due. At 10,000 records/s that is a burst of about 20 records every
 * 2 ms rather than a sleep per record: the load has the same shape as Kafka's perf test, and the
 * load generator does not spend a core on 10,000 timed sleeps and wake-ups a second. Immutable;
 * pure.
 */
public final class Throttle {

    /** The shortest sleep worth taking (Kafka's ThroughputThrottler uses the same 2 ms). */
    static final long MIN_SLEEP_NANOS = 2_000_000;

    private final double recordsPerSecond;

    /** @param recordsPerSecond target rate; zero or negative means unthrottled */
    public Throttle(double recordsPerSecond) {
        this.recordsPerSecond = recordsPerSecond;
    }

    /**
     * Nanoseconds to wait before sending record number {@code sent} (0-based): 0 when less than
     * {@link #MIN_SLEEP_NANOS} ahead of schedule, else the time until it is due.
     */
    public long delayNanos(long sent, long elapsedNanos) {
        if (recordsPerSecond <= 0) {
            return 0;
        }
        long due = (long) (sent * 1e9 / recordsPerSecond);
        long ahead = due - elapsedNanos;
        return ahead >= MIN_SLEEP_NANOS ? ahead : 0;
    }
}
