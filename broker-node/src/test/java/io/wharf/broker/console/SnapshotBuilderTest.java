package io.wharf.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.FenceBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotBuilderTest {

    private final MetadataScript metadata = new MetadataScript();

    @Test
    void brokersShowTheirStateEpochLeadershipsAndAHeartbeatAgeThatGrowsSinceThePoll() {
        metadata.activate(1);
        long epochOf2 = metadata.activate(2);
        createTopic("orders", 4, 2);
        metadata.submit(ControllerCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder().setBrokerId(2)
                .setBrokerEpoch(epochOf2)).build());
        ControllerView polled = ControllerView.from(DescribeClusterResponse.newBuilder().setLeaderId(1)
                .addBrokers(BrokerInfo.newBuilder().setId(1).setMsSinceHeartbeat(40))
                .addBrokers(BrokerInfo.newBuilder().setId(2).setMsSinceHeartbeat(900)).build(), 50_000);

        ClusterSnapshot snapshot = SnapshotBuilder.build(inputs(polled, ReplicaFigures.none(), Map.of(), 50_600));

        ClusterSnapshot.Broker one = snapshot.brokers().get(0);
        ClusterSnapshot.Broker two = snapshot.brokers().get(1);
        assertEquals(List.of(1, "active", 4, 640L), List.of(one.id(), one.state(), one.leaderships(), one.heartbeatAgeMs()));
        assertEquals(List.of(2, "fenced", 0, 1500L, epochOf2), List.of(two.id(), two.state(), two.leaderships(),
                two.heartbeatAgeMs(), two.epoch()));
        assertEquals("127.0.0.1:9001", one.endpoint());
        assertEquals(600, snapshot.controllers().polledAgoMs());
    }

    @Test
    void partitionsCarryTheirPlacementAndTheLocalReplicasLogFigures() {
        metadata.activate(1);
        metadata.activate(2);
        createTopic("orders", 2, 2);
        TopicPartition hosted = new TopicPartition("orders", 0);
        ReplicaFigures replicas = new ReplicaFigures(Map.of(hosted, new ReplicaFigures.Replica(0, 120, 4096)), 7_000);

        ClusterSnapshot snapshot = SnapshotBuilder.build(inputs(ControllerView.notPolledYet(), replicas,
                Map.of(hosted, 12.5), 7_000));

        ClusterSnapshot.Topic topic = snapshot.topics().get(0);
        assertEquals("orders", topic.name());
        PartitionState state = metadata.image().topic("orders").orElseThrow().partition(0).orElseThrow();
        ClusterSnapshot.Partition zero = topic.partitions().get(0);
        assertEquals(List.of(state.leader(), state.replicas(), state.isr(), state.leaderEpoch()),
                List.of(zero.leader(), zero.replicas(), zero.isr(), zero.leaderEpoch()));
        assertEquals(List.of(120L, 4096L, 12.5), List.of(zero.logEndOffset(), zero.sizeBytes(), zero.recordsPerSecond()));
        ClusterSnapshot.Partition notHosted = topic.partitions().get(1);
        assertNull(notHosted.logEndOffset());
        assertNull(notHosted.recordsPerSecond());
        assertEquals(-1, snapshot.controllers().polledAgoMs());
    }

    @Test
    void queuesShowTheirLeaderAndTheFiguresOfTheOnesLedHereAndTheirLogsAreInternal() {
        metadata.activate(1);
        metadata.submit(ControllerCommand.newBuilder().setDeclareQueue(DeclareQueueCommand.newBuilder().setName("jobs")
                .setReplicationFactor(1)).build());
        createTopic("orders", 1, 1);
        QueueFigures jobs = new QueueFigures(5, 2, 100, 1, 0, 0, 0, Map.of(), 7, 2, 0, 0, Map.of());

        ClusterSnapshot snapshot = SnapshotBuilder.build(new ConsoleInputs(1, false, metadata.image(),
                ControllerView.notPolledYet(), ReplicaFigures.none(), Map.of(), Map.of("jobs", jobs),
                List.of(new ClusterSnapshot.Group("g", "STABLE", 2)), LeadershipTimeline.empty(), 1));

        ClusterSnapshot.Queue queue = snapshot.queues().get(0);
        assertEquals(List.of("jobs", 1, 5L, 2L, 1L), List.of(queue.name(), queue.leader(), queue.ready(),
                queue.unacked(), queue.consumers()));
        assertEquals(List.of("orders", "__queue.jobs"), snapshot.topics().stream().map(ClusterSnapshot.Topic::name)
                .toList(), "ordinary topics first");
        assertTrue(snapshot.topics().get(1).internal());
        assertEquals("g", snapshot.groups().get(0).groupId());
    }

    @Test
    void controllersLagIsCountedFromTheMostAdvancedOneAndTheUnreachableHaveNone() {
        ControllerView view = ControllerView.from(DescribeClusterResponse.newBuilder().setLeaderId(2)
                .addControllers(controller(1, "follower", 95)).addControllers(controller(2, "leader", 100))
                .addControllers(controller(3, "unreachable", 0)).build(), 1_000);

        assertEquals(List.of(5L, 0L, -1L), view.nodes().stream().map(ControllerView.Node::lag).toList());
        assertEquals(List.of(95L, 100L, -1L), view.nodes().stream().map(ControllerView.Node::appliedIndex).toList());
        assertEquals("", view.error());
        assertEquals("no controller answered", view.failed("no controller answered").error());
        assertEquals(view.nodes(), view.failed("x").nodes(), "a failed poll keeps the last figures");
    }

    @Test
    void appendRatesComeFromTheLogEndOverTheElapsedTime() {
        TopicPartition a = new TopicPartition("a", 0);
        TopicPartition b = new TopicPartition("b", 0);
        TopicPartition c = new TopicPartition("c", 0);
        ReplicaFigures earlier = new ReplicaFigures(Map.of(a, new ReplicaFigures.Replica(0, 100, 1),
                b, new ReplicaFigures.Replica(0, 50, 1)), 10_000);
        ReplicaFigures later = new ReplicaFigures(Map.of(a, new ReplicaFigures.Replica(0, 400, 1),
                b, new ReplicaFigures.Replica(0, 10, 1), c, new ReplicaFigures.Replica(0, 9, 1)), 12_000);

        assertEquals(Map.of(a, 150.0), later.ratesSince(earlier), "b went back (truncated), c is new");
        assertEquals(Map.of(), later.ratesSince(later));
    }

    private static ControllerInfo controller(int id, String role, long applied) {
        return ControllerInfo.newBuilder().setId(id).setRole(role).setTerm(3).setAppliedIndex(applied).build();
    }

    private ConsoleInputs inputs(ControllerView controllers, ReplicaFigures replicas,
                                 Map<TopicPartition, Double> rates, long nowMs) {
        return new ConsoleInputs(1, false, metadata.image(), controllers, replicas, rates, Map.of(), List.of(),
                LeadershipTimeline.empty(), nowMs);
    }

    private void createTopic(String name, int partitions, int replicationFactor) {
        metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                        .setReplicationFactor(replicationFactor))).build());
    }
}
