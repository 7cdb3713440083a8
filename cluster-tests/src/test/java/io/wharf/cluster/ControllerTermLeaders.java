package io.wharf.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which controllers said they were the Raft leader in which term, as polled from each controller
 * throughout a run, and the check Raft's election safety demands: at most one leader per term.
 * Two controllers claiming the same term is a split brain, whatever the clients saw. Thread-safe
 * (a poller records, the test checks).
 */
final class ControllerTermLeaders {

    /** Per term, the first claim of each controller (by id): when it was seen, in ms since the start. */
    private final Map<Long, Map<Integer, Long>> claims = new TreeMap<>();

    /** Records what controller {@code controllerId} said of itself at {@code atMillis}. */
    synchronized void observed(int controllerId, String role, long term, long atMillis) {
        if ("leader".equals(role)) {
            claims.computeIfAbsent(term, t -> new TreeMap<>()).putIfAbsent(controllerId, atMillis);
        }
    }

    synchronized int termsWithALeader() {
        return claims.size();
    }

    /** One line per term claimed by more than one controller; empty when election safety held. */
    synchronized List<String> violations() {
        List<String> violations = new ArrayList<>();
        claims.forEach((term, leaders) -> {
            if (leaders.size() > 1) {
                violations.add("term " + term + " has " + leaders.size() + " leaders: controller id -> first seen (ms) "
                        + leaders);
            }
        });
        return violations;
    }
}
