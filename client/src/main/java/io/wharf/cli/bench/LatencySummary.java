package io.wharf.cli.bench;

/**
 * Latency statistics in milliseconds. Immutable.
 *
 * @param avg mean
 * @param p50 median
 * @param p95 95th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest
 * @param samples how many latencies were measured
 */
public record LatencySummary(double avg, double p50, double p95, double p99, double p999, double max, long samples) {
}
