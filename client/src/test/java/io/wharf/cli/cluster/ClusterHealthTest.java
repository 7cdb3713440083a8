package io.wharf.cli.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterHealthTest {

    private final ClusterTopology topology = ClusterTopology.local(3, 2);
    private final Set<NodeName> allRunning = new HashSet<>(topology.nodes());

    private static DescribeClusterResponse.Builder cluster(int leader, long... appliedIndexes) {
        DescribeClusterResponse.Builder cluster = DescribeClusterResponse.newBuilder().setLeaderId(leader);
        for (int id = 1; id <= appliedIndexes.length; id++) {
            cluster.addControllers(ControllerInfo.newBuilder().setId(id).setTerm(2)
                    .setRole(id == leader ? "leader" : "follower").setAppliedIndex(appliedIndexes[id - 1]));
        }
        return cluster;
    }

    private static BrokerInfo broker(int id, BrokerState state) {
        return BrokerInfo.newBuilder().setId(id).setState(state).setEpoch(10 + id).build();
    }

    private List<String> reasons(Set<NodeName> running, Optional<DescribeClusterResponse> cluster, ClusterHealth.Level level) {
        return ClusterHealth.problems(topology, running, cluster, level).stream().map(HealthProblem::reason).toList();
    }

    @Test
    void leaderAndActiveBrokersIsServing() {
        DescribeClusterResponse healthy = cluster(2, 40, 40, 40)
                .addBrokers(broker(1, BrokerState.ACTIVE)).addBrokers(broker(2, BrokerState.ACTIVE)).build();

        assertEquals(List.of(), reasons(allRunning, Optional.of(healthy), ClusterHealth.Level.SERVING));
        assertEquals(List.of(), reasons(allRunning, Optional.of(healthy), ClusterHealth.Level.CAUGHT_UP));
    }

    @Test
    void eachProblemIsNamed() {
        Set<NodeName> running = new HashSet<>(allRunning);
        running.remove(NodeName.controller(3));
        DescribeClusterResponse sick = cluster(-1, 40, 40, 40).addBrokers(broker(1, BrokerState.FENCED)).build();

        assertEquals(List.of("controller-3 is not running", "the controller quorum has no leader", "broker-1 is fenced",
                "broker-2 has not registered with the controllers"), reasons(running, Optional.of(sick), ClusterHealth.Level.SERVING));
        assertEquals(List.of("no controller answered DescribeCluster"),
                reasons(allRunning, Optional.empty(), ClusterHealth.Level.SERVING));
    }

    @Test
    void servingNeedsEveryControllerVotingAndCaughtUpAtTheLeadersIndex() {
        DescribeClusterResponse.Builder lagging = cluster(1, 50, 50, 41)
                .addBrokers(broker(1, BrokerState.ACTIVE)).addBrokers(broker(2, BrokerState.ACTIVE));
        lagging.setControllers(1, lagging.getControllers(1).toBuilder().setRole("unreachable"));

        assertEquals(List.of("controller-2 is unreachable"),
                reasons(allRunning, Optional.of(lagging.build()), ClusterHealth.Level.SERVING));
        assertEquals(List.of("controller-2 is unreachable", "controller-3 has applied index 41, the leader 50"),
                reasons(allRunning, Optional.of(lagging.build()), ClusterHealth.Level.CAUGHT_UP));
    }
}
