package io.wharf.broker.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.MetadataScript;
import io.wharf.broker.TopicPartition;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.metadata.ControlledShutdownCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.FenceBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LeadershipTimelineTest {

    private final MetadataScript metadata = new MetadataScript();
    private final Map<Integer, Long> epochs = Map.of(1, metadata.activate(1), 2, metadata.activate(2),
            3, metadata.activate(3));
    private LeadershipTimeline timeline = LeadershipTimeline.empty();

    @Test
    void aFencedLeadersPartitionsFailOverDatedFromItsLastHeartbeat() {
        createTopic("orders", 6, 3);
        Set<Integer> ledBy1 = partitionsLedBy("orders", 1);
        assertTrue(!ledBy1.isEmpty(), "placement spreads leaders over the three brokers");

        step(fence(1), 10_000, Map.of(1, 9_700L, 2, 9_950L));

        List<Failover> failovers = timeline.failovers();
        assertEquals(ledBy1, failovers.stream().map(Failover::partition).collect(Collectors.toSet()));
        for (Failover failover : failovers) {
            assertEquals(1, failover.previousLeader());
            assertTrue(failover.newLeader() == 2 || failover.newLeader() == 3, failover.toString());
            assertEquals(Failover.Cause.LEADER_FENCED, failover.cause());
            assertEquals(9_700, failover.lostAtMs());
            assertEquals(10_000, failover.electedAtMs());
            assertEquals(300, failover.durationMs());
            assertEquals(metadata.image().topic("orders").orElseThrow().partition(failover.partition()).orElseThrow()
                    .leaderEpoch(), failover.leaderEpoch());
        }
    }

    @Test
    void aPartitionWithoutLeaderIsDatedFromWhenItLostItUntilOneComesBack() {
        createTopic("solo", 1, 1);
        int leader = metadata.image().topic("solo").orElseThrow().partition(0).orElseThrow().leader();

        step(fence(leader), 5_000, Map.of());
        assertEquals(Map.of(new TopicPartition("solo", 0), 5_000L), timeline.leaderlessSince());
        assertTrue(timeline.failovers().isEmpty(), "no new leader yet");

        step(() -> metadata.activate(leader), 8_000, Map.of());
        Failover failover = timeline.failovers().get(0);
        assertEquals(List.of(leader, leader, 5_000L, 8_000L, 3_000L, Failover.Cause.LEADER_FENCED),
                List.of(failover.previousLeader(), failover.newLeader(), failover.lostAtMs(), failover.electedAtMs(),
                        failover.durationMs(), failover.cause()));
        assertTrue(timeline.leaderlessSince().isEmpty());
    }

    @Test
    void aControlledShutdownIsDatedAtTheChangeWhateverItsLastHeartbeat() {
        createTopic("orders", 3, 3);
        step(() -> metadata.submit(ControllerCommand.newBuilder().setControlledShutdown(ControlledShutdownCommand
                .newBuilder().setBrokerId(2).setBrokerEpoch(epochs.get(2))).build()), 20_000, Map.of(2, 19_000L));

        assertTrue(!timeline.failovers().isEmpty());
        for (Failover failover : timeline.failovers()) {
            assertEquals(Failover.Cause.LEADER_SHUT_DOWN, failover.cause());
            assertEquals(0, failover.durationMs());
        }
    }

    @Test
    void aHeartbeatTooOldToBeTheLossIsIgnored() {
        createTopic("orders", 3, 3);
        step(fence(3), 100_000, Map.of(3, 100_000 - LeadershipTimeline.MAX_HEARTBEAT_LOOKBACK_MS - 1));

        assertTrue(!timeline.failovers().isEmpty());
        timeline.failovers().forEach(failover -> assertEquals(100_000, failover.lostAtMs()));
    }

    @Test
    void changesThatMoveNoLeaderLeaveTheTimelineAsItWas() {
        MetadataImage empty = MetadataImage.empty();
        createTopic("orders", 3, 3);
        LeadershipTimeline before = timeline;
        assertSame(before, timeline.observe(metadata.image(), metadata.image(), 1, Map.of()));
        assertTrue(timeline.failovers().isEmpty(), "a new topic's first leaders are no failover");
        assertTrue(timeline.observe(empty, metadata.image(), 1, Map.of()).failovers().isEmpty(),
                "a broker's first image is no failover");
    }

    private void createTopic(String name, int partitions, int replicationFactor) {
        step(() -> metadata.submit(ControllerCommand.newBuilder().setCreateTopics(CreateTopicsCommand.newBuilder()
                .addTopics(TopicSpec.newBuilder().setName(name).setPartitions(partitions)
                        .setReplicationFactor(replicationFactor))).build()), 1_000, Map.of());
    }

    private Runnable fence(int broker) {
        return () -> metadata.submit(ControllerCommand.newBuilder().setFenceBroker(FenceBrokerCommand.newBuilder()
                .setBrokerId(broker).setBrokerEpoch(metadata.image().broker(broker).orElseThrow().epoch())).build());
    }

    private void step(Runnable change, long nowMs, Map<Integer, Long> lastHeartbeats) {
        MetadataImage before = metadata.image();
        change.run();
        timeline = timeline.observe(before, metadata.image(), nowMs, lastHeartbeats);
    }

    private Set<Integer> partitionsLedBy(String topic, int broker) {
        return metadata.image().topic(topic).orElseThrow().partitions().values().stream()
                .filter(p -> p.leader() == broker).map(PartitionState::partition).collect(Collectors.toSet());
    }
}
