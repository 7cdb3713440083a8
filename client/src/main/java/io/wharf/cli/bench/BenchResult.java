package io.wharf.cli.bench;

import io.wharf.cli.Json;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a bench run: how many records and bytes moved in how long, and their latency.
 * Immutable.
 *
 * @param records records acknowledged (produce) or read (consume)
 * @param bytes value bytes of those records
 * @param elapsedNanos wall time from the first send (or poll) to the last acknowledgement (or record)
 * @param latency latency statistics
 */
public record BenchResult(long records, long bytes, long elapsedNanos, LatencySummary latency) {

    private static final double MB = 1024.0 * 1024.0;

    public double recordsPerSecond() {
        return elapsedNanos == 0 ? 0 : records * 1e9 / elapsedNanos;
    }

    public double megabytesPerSecond() {
        return elapsedNanos == 0 ? 0 : bytes / MB * 1e9 / elapsedNanos;
    }

    /**
     * One line in the style of Kafka's ProducerPerformance:
     * {@code N records sent, X records/sec (Y MB/sec), A ms avg latency, M ms max latency, p50 ms 50th, ...}.
     */
    public String toText(String verb) {
        return toText("records", verb);
    }

    /** As {@link #toText(String)}, naming the records otherwise: {@code N steady state records sent, ...}. */
    public String toText(String what, String verb) {
        return String.format(Locale.ROOT, "%d %s %s, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, "
                        + "%.2f ms max latency, %.2f ms 50th, %.2f ms 95th, %.2f ms 99th, %.2f ms 99.9th.",
                records, what, verb, recordsPerSecond(), megabytesPerSecond(), latency.avg(), latency.max(), latency.p50(),
                latency.p95(), latency.p99(), latency.p999());
    }

    public Map<String, Object> toJson() {
        return Json.object("records", records, "bytes", bytes, "elapsed_ms", elapsedNanos / 1_000_000.0,
                "records_per_sec", round(recordsPerSecond()), "mb_per_sec", round(megabytesPerSecond()),
                "latency_ms", Json.object("avg", round(latency.avg()), "p50", latency.p50(), "p95", latency.p95(),
                        "p99", latency.p99(), "p999", latency.p999(), "max", latency.max(),
                        "samples", latency.samples()));
    }

    private static double round(double value) {
        return Math.round(value * 100.0) / 100.0;
    }
}
