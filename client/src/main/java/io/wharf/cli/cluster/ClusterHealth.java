package io.wharf.cli.cluster;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides whether a local cluster is healthy from which node processes run and what a controller
 * answered to DescribeCluster. Pure; stateless.
 */
public final class ClusterHealth {

    /** How healthy is healthy enough. */
    public enum Level {
        /** Every node runs, the quorum has a leader, every controller leads or follows, every broker is active. */
        SERVING,
        /** As {@link #SERVING}, and every follower has applied as far as the leader. */
        CAUGHT_UP
    }

    private static final Set<String> VOTING_ROLES = Set.of("leader", "follower");

    private ClusterHealth() {
    }

    /**
     * Every problem found; empty means healthy at {@code level}. {@code description} is empty when
     * no controller answered.
     */
    public static List<HealthProblem> problems(ClusterTopology topology, Set<NodeName> running,
                                               Optional<DescribeClusterResponse> description, Level level) {
        List<HealthProblem> problems = new ArrayList<>();
        for (NodeName node : topology.nodes()) {
            if (!running.contains(node)) {
                problems.add(HealthProblem.of(node, node + " is not running"));
            }
        }
        if (description.isEmpty()) {
            problems.add(HealthProblem.ofCluster("no controller answered DescribeCluster"));
            return List.copyOf(problems);
        }
        DescribeClusterResponse cluster = description.get();
        if (cluster.getLeaderId() < 0) {
            problems.add(HealthProblem.ofCluster("the controller quorum has no leader"));
        }
        addControllerProblems(topology, running, cluster, level, problems);
        Map<Integer, BrokerInfo> brokers = new java.util.HashMap<>();
        cluster.getBrokersList().forEach(broker -> brokers.put(broker.getId(), broker));
        for (NodeName node : topology.nodes()) {
            if (node.isController()) {
                continue;
            }
            BrokerInfo broker = brokers.get(node.id());
            if (broker == null) {
                problems.add(HealthProblem.of(node, node + " has not registered with the controllers"));
            } else if (broker.getState() != BrokerState.ACTIVE) {
                problems.add(HealthProblem.of(node, node + " is " + BrokerStates.name(broker.getState())));
            }
        }
        return List.copyOf(problems);
    }

    private static void addControllerProblems(ClusterTopology topology, Set<NodeName> running,
                                              DescribeClusterResponse cluster, Level level, List<HealthProblem> problems) {
        Map<Integer, ControllerInfo> controllers = new java.util.HashMap<>();
        cluster.getControllersList().forEach(controller -> controllers.put(controller.getId(), controller));
        ControllerInfo leader = controllers.get(cluster.getLeaderId());
        for (NodeName node : topology.nodes()) {
            if (!node.isController() || !running.contains(node)) {
                continue;
            }
            ControllerInfo controller = controllers.get(node.id());
            if (controller == null) {
                problems.add(HealthProblem.of(node, node + " is missing from DescribeCluster"));
            } else if (!VOTING_ROLES.contains(controller.getRole())) {
                problems.add(HealthProblem.of(node, node + " is " + controller.getRole()));
            } else if (level == Level.CAUGHT_UP && leader != null && controller.getAppliedIndex() < leader.getAppliedIndex()) {
                problems.add(HealthProblem.of(node, node + " has applied index " + controller.getAppliedIndex()
                        + ", the leader " + leader.getAppliedIndex()));
            }
        }
    }
}
