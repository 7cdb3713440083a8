package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.AlterPartitionRequest;
import io.wharf.proto.controller.ElectLeadersRequest;
import io.wharf.proto.controller.ElectLeadersResponse;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.metadata.PartitionRef;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Leaderships go back to preferred replicas: on the active controller's schedule, and on request. */
class LeaderRebalanceTest {

    @TempDir
    Path dir;
    private InProcessQuorum quorum;
    private HeartbeatingBrokers beating;
    private List<FakeBroker> brokers;

    private void start(Map<String, String> overrides) {
        Map<String, String> config = new HashMap<>(Map.of(
                ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "1000",
                ControllerConfig.LIVENESS_CHECK_INTERVAL_MS, "50"));
        config.putAll(overrides);
        quorum = new InProcessQuorum(3, dir, config).startAll();
        quorum.awaitLeader();
        beating = HeartbeatingBrokers.start(quorum, 3);
        brokers = beating.all();
        assertEquals(ErrorCode.NONE, quorum.stub(quorum.aFollower().nodeId())
                .createTopics(QuorumReplicationTest.create("orders", 6, 3, Map.of())).getResults(0).getError().getCode());
        await().atMost(Duration.ofSeconds(10)).until(() -> image().topic("orders").isPresent());
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (beating != null) {
            beating.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    private MetadataImage image() {
        return quorum.awaitLeader().image();
    }

    private TopicImage orders() {
        return image().topic("orders").orElseThrow();
    }

    private boolean preferredLead() {
        return orders().partitions().values().stream().allMatch(p -> p.leader() == p.replicas().get(0));
    }

    /**
     * Broker 3 goes silent (fenced: its leaderships move away), comes back as a new process, and its
     * partitions' leaders take it back into their ISRs, as they would once it caught up.
     */
    private void bounceBroker3() {
        FakeBroker broker = brokers.get(2);
        beating.silence(broker);
        await().atMost(Duration.ofSeconds(10)).until(() -> image().brokers().get(3).fenced());
        assertTrue(orders().partitions().values().stream().noneMatch(p -> p.leader() == 3));
        broker.restart();
        broker.register(1);
        beating.resume(broker);
        await().atMost(Duration.ofSeconds(10)).until(() -> image().isActive(3));
        for (PartitionState p : orders().partitions().values()) {
            List<Integer> isr = new ArrayList<>(p.isr());
            isr.add(3);
            FakeBroker leader = brokers.get(p.leader() - 1);
            assertEquals(ErrorCode.NONE, quorum.stub(quorum.awaitLeader().nodeId()).alterPartition(
                    AlterPartitionRequest.newBuilder().setBrokerId(leader.id()).setBrokerEpoch(leader.epoch())
                            .setTopic("orders").setPartition(p.partition()).setLeaderEpoch(p.leaderEpoch())
                            .setPartitionEpoch(p.partitionEpoch()).addAllNewIsr(isr).build()).getError().getCode());
        }
    }

    @Test
    void theActiveControllerGivesLeadershipsBackToPreferredReplicasOnItsSchedule() {
        start(Map.of(ControllerConfig.LEADER_IMBALANCE_CHECK_INTERVAL_MS, "200"));
        assertTrue(preferredLead(), "placement starts with preferred leaders");
        bounceBroker3();
        await().atMost(Duration.ofSeconds(10)).until(this::preferredLead);
        assertTrue(orders().partitions().values().stream().filter(p -> p.replicas().get(0) == 3)
                .allMatch(p -> p.leader() == 3 && p.isr().size() == 3));
    }

    @Test
    void withRebalanceOffLeadershipsStayUntilAnElectionIsAskedFor() {
        start(Map.of(ControllerConfig.AUTO_LEADER_REBALANCE_ENABLE, "false",
                ControllerConfig.LEADER_IMBALANCE_CHECK_INTERVAL_MS, "100"));
        bounceBroker3();
        long preferredBy3 = orders().partitions().values().stream().filter(p -> p.replicas().get(0) == 3).count();
        assertEquals(2, preferredBy3);
        await().during(Duration.ofMillis(600)).atMost(Duration.ofSeconds(2)).until(() -> !preferredLead());

        PartitionState first = orders().partitions().values().stream().filter(p -> p.replicas().get(0) == 3)
                .findFirst().orElseThrow();
        ElectLeadersResponse one = quorum.stub(quorum.aFollower().nodeId()).electLeaders(ElectLeadersRequest.newBuilder()
                .addPartitions(PartitionRef.newBuilder().setTopic("orders").setPartition(first.partition()))
                .addPartitions(PartitionRef.newBuilder().setTopic("orders").setPartition(99)).build());
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.UNKNOWN_PARTITION),
                one.getResultsList().stream().map(r -> r.getError().getCode()).toList());
        assertEquals(3, orders().partitions().get(first.partition()).leader());

        ElectLeadersResponse all = quorum.stub(quorum.aFollower().nodeId()).electLeaders(
                ElectLeadersRequest.getDefaultInstance());
        assertEquals(1, all.getResultsCount(), all.toString());
        assertTrue(all.getResultsList().stream().map(TopicResult::getError).allMatch(e -> e.getCode() == ErrorCode.NONE));
        assertTrue(preferredLead());
    }
}
