package io.wharf.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The metadata offsets each broker process reported (DescribeMetadata), and the check that a
 * broker never sees metadata go backwards: within one incarnation (one process, told apart by its
 * pid) every report is at least the previous one. A restarted process may start from an older
 * snapshot, so offsets are only compared within an incarnation. Thread-safe.
 */
final class BrokerMetadataOffsets {

    /** A broker process: its id and its pid. */
    private record Incarnation(int brokerId, long pid) {
    }

    private record Report(long offset, long atMillis) {
    }

    private final Map<Incarnation, Report> latest = new HashMap<>();
    private final List<String> violations = new ArrayList<>();
    private long reports;

    /** Records that broker {@code brokerId}, running as {@code pid}, reported {@code offset} at {@code atMillis}. */
    synchronized void observed(int brokerId, long pid, long offset, long atMillis) {
        reports++;
        Incarnation incarnation = new Incarnation(brokerId, pid);
        Report previous = latest.get(incarnation);
        if (previous != null && offset < previous.offset()) {
            violations.add("broker " + brokerId + " (pid " + pid + ") reported metadata offset " + offset + " at "
                    + atMillis + " ms after " + previous.offset() + " at " + previous.atMillis() + " ms");
        }
        if (previous == null || offset >= previous.offset()) {
            latest.put(incarnation, new Report(offset, atMillis));
        }
    }

    synchronized long reports() {
        return reports;
    }

    /** One line per report below an earlier one of the same process; empty when metadata only moved forward. */
    synchronized List<String> violations() {
        return List.copyOf(violations);
    }
}
