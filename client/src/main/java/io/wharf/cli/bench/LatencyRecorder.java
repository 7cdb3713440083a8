package io.wharf.cli.bench;

import java.util.Arrays;

/**
 * Collects latencies in microseconds and summarises them. Thread-safe (synchronized: the
 * producer's sender thread records, the bench thread summarises).
 */
public final class LatencyRecorder {

    private long[] samples = new long[1024];
    private int count;

    public synchronized void record(long micros) {
        if (count == samples.length) {
            samples = Arrays.copyOf(samples, samples.length * 2);
        }
        samples[count++] = micros;
    }

    public synchronized int count() {
        return count;
    }

    /** Average, percentiles (nearest rank) and maximum of what was recorded; zeros when nothing was. */
    public synchronized LatencySummary summary() {
        return summaryBetween(0, count);
    }

    /**
     * The same figures over the samples recorded from the {@code from}-th up to the {@code to}-th
     * (values {@link #count} had then): one reporting interval of a run.
     */
    public synchronized LatencySummary summaryBetween(int from, int to) {
        if (from < 0 || to > count || from > to) {
            throw new IllegalArgumentException("samples " + from + " to " + to + " of " + count);
        }
        int n = to - from;
        if (n == 0) {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }
        long[] sorted = Arrays.copyOfRange(samples, from, to);
        Arrays.sort(sorted);
        long sum = 0;
        for (long sample : sorted) {
            sum += sample;
        }
        return new LatencySummary((double) sum / n / 1000.0, millis(sorted, 0.50), millis(sorted, 0.95),
                millis(sorted, 0.99), millis(sorted, 0.999), sorted[n - 1] / 1000.0, n);
    }

    /** The nearest-rank percentile: the smallest sample with at least {@code p} of all samples at or below it. */
    static double millis(long[] sorted, double p) {
        int rank = (int) Math.ceil(p * sorted.length);
        return sorted[Math.max(0, rank - 1)] / 1000.0;
    }
}
