package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The faults a run actually injected, each with its times in ms since the start of the run, so
 * that a failure report shows what happened when (next to the metadata observations, stamped on
 * the same clock). Used by the test thread only.
 */
final class FaultLog {

    /**
     * One injected fault: the nodes it hit, when it started, when it was healed, when the cluster
     * had recovered (-1: never).
     */
    record Entry(int number, String kind, String description, Set<NodeName> nodes, long injectedMs, long healedMs,
                 long recoveredMs) {
        Entry {
            nodes = Set.copyOf(nodes);
        }

        /** Until when the fault may still explain what its nodes do: recovery, or healing when it never recovered. */
        long effectEndMs() {
            return recoveredMs < 0 ? healedMs : recoveredMs;
        }

        @Override
        public String toString() {
            return String.format("#%d at %.1f s: %s: %s; healed at %.1f s, %s", number, injectedMs / 1000.0, kind,
                    description, healedMs / 1000.0, recoveredMs < 0 ? "not recovered"
                            : String.format("recovered at %.1f s", recoveredMs / 1000.0));
        }
    }

    private final List<Entry> entries = new ArrayList<>();

    void add(Entry entry) {
        entries.add(entry);
    }

    /** Faults injected, by kind. */
    Map<String, Integer> countsByKind() {
        Map<String, Integer> counts = new TreeMap<>();
        entries.forEach(entry -> counts.merge(entry.kind(), 1, Integer::sum));
        return counts;
    }

    int size() {
        return entries.size();
    }

    List<Entry> entries() {
        return List.copyOf(entries);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("faults injected (" + entries.size() + "):");
        entries.forEach(entry -> text.append("\n  ").append(entry));
        return text.toString();
    }
}
