package io.wharf.cli.cluster;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Every failover trial and the min / median / max of their times. Immutable.
 */
public record FailoverSummary(List<FailoverTrial> trials, @JsonProperty("min_ms") double minMs,
                              @JsonProperty("median_ms") double medianMs, @JsonProperty("max_ms") double maxMs) {

    public FailoverSummary {
        trials = List.copyOf(trials);
    }

    /** Summarises at least one trial; the median of an even count is the mean of the middle two. */
    public static FailoverSummary of(List<FailoverTrial> trials) {
        if (trials.isEmpty()) {
            throw new IllegalArgumentException("a failover summary needs at least one trial");
        }
        double[] sorted = trials.stream().mapToDouble(FailoverTrial::ms).sorted().toArray();
        int middle = sorted.length / 2;
        double median = sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        return new FailoverSummary(trials, sorted[0], roundToTenth(median), sorted[sorted.length - 1]);
    }

    static double roundToTenth(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
