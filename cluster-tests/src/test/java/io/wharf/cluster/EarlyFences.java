package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks that a broker that was merely slow keeps its full session: no broker is fenced unless a
 * fault hit it (killed, paused, cut off, its disk failing) within a session timeout of the fence.
 * Fences are read from the active controller's DescribeCluster answers as the
 * {@link ClusterObserver} polls them: a broker registration seen active and then, at the same
 * registration epoch, fenced. Answers from a controller whose Raft term is older than one already
 * seen are ignored (a deposed leader, paused or cut off, still answers with its stale image).
 *
 * <p>The bound. A fence first seen at {@code t}, after the same registration was last seen active
 * at {@code p}: the leader's answer at {@code p} showed its image at some instant after
 * {@code p - CALL_TIMEOUT}, without the fence applied; the fence decision precedes its apply by
 * one Raft commit, at most {@link #COMMIT_BOUND_MS} (about 30 ms measured); a session expiry
 * decided at {@code d} needs the broker silent over {@code [d - session, d]}; and {@code d <= t}.
 * So that silence lies within {@code [p - session - CALL_TIMEOUT - COMMIT_BOUND, t]}: a fence is
 * early when no fault hitting that broker overlaps this window. A fault counts from its injection
 * until the cluster had recovered from it. A slow disk does not excuse a fence: heartbeats do not
 * touch the log. Thread-safe: the observer records, the test thread checks.
 */
final class EarlyFences {

    /** The brokers' {@code broker.session.timeout.ms} in the nemesis cluster (the default). */
    static final long SESSION_TIMEOUT_MS = 2000;
    /** Bound on a Raft commit and apply on the active controller, ~30x the figure measured. */
    static final long COMMIT_BOUND_MS = 1000;
    /** Fault kinds that do not excuse a fence: the broker is slow, not gone. */
    private static final List<String> NOT_EXCUSING = List.of("slow-disk");

    /** A registration seen fenced at {@code seenFencedMs}, last seen active at {@code lastActiveMs}. */
    record Fence(int brokerId, long registrationEpoch, long lastActiveMs, long seenFencedMs) {
    }

    /** What an answer said of one broker. */
    private record Seen(long epoch, boolean fenced, long atMs) {
    }

    private final long callTimeoutMs;
    private final Map<Integer, Seen> lastSeen = new HashMap<>();
    private final List<Fence> fences = new ArrayList<>();
    private long newestTerm = Long.MIN_VALUE;

    /** @param callTimeoutMs the observer's deadline on a DescribeCluster call */
    EarlyFences(long callTimeoutMs) {
        this.callTimeoutMs = callTimeoutMs;
    }

    /**
     * The controller leading Raft term {@code term} said, in an answer received {@code atMs} after
     * the start of the run, that registration {@code epoch} of {@code brokerId} is fenced or not.
     */
    synchronized void observed(long term, int brokerId, long epoch, boolean fenced, long atMs) {
        if (term < newestTerm) {
            return;
        }
        newestTerm = term;
        Seen before = lastSeen.put(brokerId, new Seen(epoch, fenced, atMs));
        if (fenced && before != null && !before.fenced() && before.epoch() == epoch) {
            fences.add(new Fence(brokerId, epoch, before.atMs(), atMs));
        }
    }

    /** Every fence seen so far. */
    synchronized List<Fence> fences() {
        return List.copyOf(fences);
    }

    /** The fences no fault in {@code faults} explains, one line each. */
    synchronized List<String> violations(List<FaultLog.Entry> faults) {
        List<String> violations = new ArrayList<>();
        for (Fence fence : fences) {
            long from = fence.lastActiveMs() - SESSION_TIMEOUT_MS - callTimeoutMs - COMMIT_BOUND_MS;
            boolean excused = faults.stream().anyMatch(fault -> !NOT_EXCUSING.contains(fault.kind())
                    && fault.nodes().contains(NodeName.broker(fence.brokerId()))
                    && fault.injectedMs() <= fence.seenFencedMs() && fault.effectEndMs() >= from);
            if (!excused) {
                violations.add(String.format("fenced early: broker %d (registration %d) was seen active at %.1f s and "
                                + "fenced at %.1f s, but no fault hit it between %.1f s and then",
                        fence.brokerId(), fence.registrationEpoch(), fence.lastActiveMs() / 1000.0,
                        fence.seenFencedMs() / 1000.0, from / 1000.0));
            }
        }
        return violations;
    }
}
