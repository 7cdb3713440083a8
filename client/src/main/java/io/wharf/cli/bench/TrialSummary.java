package io.wharf.cli.bench;

import io.wharf.cli.Json;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Every trial's time and their min, median and max, rounded to 0.1 ms. Immutable.
 *
 * @param trialsMs the trials' times in the order they ran
 */
public record TrialSummary(List<Double> trialsMs, double minMs, double medianMs, double maxMs) {

    public TrialSummary {
        trialsMs = List.copyOf(trialsMs);
    }

    /** Summarises at least one trial; the median of an even count is the mean of the middle two. */
    public static TrialSummary of(List<Double> trialsMs) {
        if (trialsMs.isEmpty()) {
            throw new IllegalArgumentException("a summary needs at least one trial");
        }
        List<Double> rounded = trialsMs.stream().map(TrialSummary::roundToTenth).toList();
        double[] sorted = rounded.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        int middle = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new TrialSummary(rounded, sorted[0], roundToTenth(median), sorted[sorted.length - 1]);
    }

    /** {@code N trials: min X ms, median Y ms, max Z ms}, as {@code wharf cluster failover} prints. */
    public String toText() {
        return String.format(Locale.ROOT, "%d trials: min %.1f ms, median %.1f ms, max %.1f ms", trialsMs.size(), minMs,
                medianMs, maxMs);
    }

    public Map<String, Object> toJson() {
        return Json.object("trials_ms", trialsMs, "median_ms", medianMs, "min_ms", minMs, "max_ms", maxMs);
    }

    private static double roundToTenth(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
