package io.wharf.cli.bench;

import java.util.Locale;

/**
 * The figures of one reporting window of a bench run (Kafka's perf tool prints one every 5 s):
 * records, bytes, latency sum and max since the last {@link #drain}. Thread-safe (synchronized:
 * the sender thread records, the bench thread drains).
 */
public final class ProgressWindow {

    private long records;
    private long bytes;
    private long latencySumMicros;
    private long latencyMaxMicros;

    public synchronized void record(int size, long latencyMicros) {
        records++;
        bytes += size;
        latencySumMicros += latencyMicros;
        latencyMaxMicros = Math.max(latencyMaxMicros, latencyMicros);
    }

    /** One line for the window that lasted {@code elapsedNanos}, then starts a new window. */
    public synchronized String drain(long elapsedNanos, String verb) {
        double seconds = Math.max(1, elapsedNanos) / 1e9;
        String line = String.format(Locale.ROOT, "%d records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, "
                        + "%.1f ms max latency.", records, verb, records / seconds, bytes / (1024.0 * 1024.0) / seconds,
                records == 0 ? 0.0 : latencySumMicros / 1000.0 / records, latencyMaxMicros / 1000.0);
        records = 0;
        bytes = 0;
        latencySumMicros = 0;
        latencyMaxMicros = 0;
        return line;
    }
}
