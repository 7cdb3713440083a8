package io.wharf.broker.console;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The controller quorum as the last full DescribeCluster answer showed it, and the leader and the
 * brokers' heartbeat ages as the latest answer (full or {@code brokers_only}) reported them. Immutable.
 *
 * @param nodes             every voter, in the last full answer's order
 * @param nodesPolledAtMs   when that full answer came (wall clock), 0 when none came yet
 * @param leaderId          the Raft leader, -1 when none is known
 * @param msSinceHeartbeat  by broker id, how long before {@code polledAtMs} the active controller last heard it
 * @param polledAtMs        when the answer came (wall clock), 0 when none came yet
 * @param error             why the last poll failed, "" when it did not
 */
public record ControllerView(List<Node> nodes, long nodesPolledAtMs, int leaderId, Map<Integer, Long> msSinceHeartbeat,
                             long polledAtMs, String error) {

    /**
     * One controller.
     *
     * @param role         leader, follower, candidate, listener or unreachable
     * @param appliedIndex the Raft index its state machine applied, -1 when unreachable
     * @param lag          how many entries it applied fewer than the most advanced controller, -1 when unreachable
     */
    public record Node(int id, String address, String role, long term, long appliedIndex, long lag) {
    }

    public ControllerView {
        nodes = List.copyOf(nodes);
        msSinceHeartbeat = Map.copyOf(msSinceHeartbeat);
    }

    /** Before the first poll answered. */
    public static ControllerView notPolledYet() {
        return new ControllerView(List.of(), 0, -1, Map.of(), 0, "not asked yet");
    }

    /** The view of one full DescribeCluster answer received at {@code nowMs}. */
    public static ControllerView from(DescribeClusterResponse answer, long nowMs) {
        long mostApplied = answer.getControllersList().stream().filter(ControllerView::reachable)
                .mapToLong(ControllerInfo::getAppliedIndex).max().orElse(-1);
        List<Node> nodes = answer.getControllersList().stream().map(c -> new Node(c.getId(), c.getAddress(),
                c.getRole(), c.getTerm(), reachable(c) ? c.getAppliedIndex() : -1,
                reachable(c) ? mostApplied - c.getAppliedIndex() : -1)).toList();
        return new ControllerView(nodes, nowMs, answer.getLeaderId(), heartbeatAges(answer), nowMs, "");
    }

    /** This view's controllers, with the leader and heartbeat ages of a {@code brokers_only} answer received at {@code nowMs}. */
    public ControllerView withBrokers(DescribeClusterResponse answer, long nowMs) {
        return new ControllerView(nodes, nodesPolledAtMs, answer.getLeaderId(), heartbeatAges(answer), nowMs, "");
    }

    /** Whether the controllers listed are out of date with the latest answer's leader. */
    public boolean leaderMoved() {
        return nodes.stream().noneMatch(node -> node.id() == leaderId && node.role().equals("leader"));
    }

    private static Map<Integer, Long> heartbeatAges(DescribeClusterResponse answer) {
        Map<Integer, Long> ages = new HashMap<>();
        for (BrokerInfo broker : answer.getBrokersList()) {
            if (broker.getMsSinceHeartbeat() >= 0) {
                ages.put(broker.getId(), broker.getMsSinceHeartbeat());
            }
        }
        return ages;
    }

    /** The previous view, kept for its last known figures, marked with why this poll failed. */
    public ControllerView failed(String why) {
        return new ControllerView(nodes, nodesPolledAtMs, leaderId, msSinceHeartbeat, polledAtMs, why);
    }

    /** Each broker's last heartbeat as a wall-clock time. */
    public Map<Integer, Long> lastHeartbeatAtMs() {
        Map<Integer, Long> at = new HashMap<>();
        msSinceHeartbeat.forEach((broker, age) -> at.put(broker, polledAtMs - age));
        return Map.copyOf(at);
    }

    private static boolean reachable(ControllerInfo controller) {
        return !"unreachable".equals(controller.getRole());
    }
}
