package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.admin.TopicOutcome;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer.OrderAnnotation;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three controllers and three brokers, each its own JVM; nodes are killed with SIGKILL or stopped
 * with SIGTERM. Each scenario ends by checking that every topic whose creation was acknowledged is
 * still there, unchanged in identity, partitions, replicas and configs.
 */
@TestMethodOrder(OrderAnnotation.class)
class NodeFailureTest {

    private static final Duration FAILOVER = Duration.ofSeconds(20);
    private static final Duration REJOIN = Duration.ofSeconds(60);

    private static ProcessCluster cluster;
    /** Topics whose creation the controllers acknowledged, as first described. */
    private static final Map<String, TopicDescription> acknowledged = new TreeMap<>();

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.start("node-failure", 27000, 3, 3);
        createAcknowledged(new NewTopic("orders", 6, 3),
                new NewTopic("events", 3, 2, Map.of("retention.ms", "86400000", "min.insync.replicas", "2")),
                new NewTopic("audit", 2, 1));
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void killedActiveControllerIsReplacedAndEveryTopicSurvives() {
        Map<String, TopicDescription> before = topicsByName();
        ControllerInfo oldLeader = cluster.leader().orElseThrow();
        NodeName victim = cluster.controller(oldLeader.getId());

        cluster.launcher().kill(victim);

        await().atMost(FAILOVER).until(() -> cluster.leader()
                .filter(l -> l.getId() != oldLeader.getId() && l.getTerm() > oldLeader.getTerm()).isPresent());
        createAcknowledged(new NewTopic("after-controller-kill", 3, 3));
        Map<String, TopicDescription> after = topicsByName();
        before.forEach((name, description) -> assertEquals(description, after.get(name),
                "topic " + name + " changed across the controller failover"));

        cluster.launcher().start(victim);
        await().atMost(REJOIN).until(() -> everyControllerCaughtUp(cluster.describe()));
        assertNothingAcknowledgedLost();
    }

    @Test
    @Order(2)
    void killedBrokerIsFencedItsLeadershipsMoveAndItRejoins() {
        int victimId = brokerLeadingMost();
        long epochBefore = brokerInfo(victimId).getEpoch();
        Map<String, PartitionInfo> ledBefore = partitions(p -> p.getLeader() == victimId);
        assertFalse(ledBefore.isEmpty(), "broker " + victimId + " should lead something");

        cluster.launcher().kill(cluster.broker(victimId));

        await().atMost(FAILOVER).until(() -> cluster.brokerIs(victimId, BrokerState.FENCED));
        Map<String, PartitionInfo> now = partitions(p -> true);
        ledBefore.forEach((name, before) -> {
            PartitionInfo after = now.get(name);
            assertNotEquals(victimId, after.getLeader(), name + " is still led by the dead broker");
            assertTrue(after.getLeaderEpoch() > before.getLeaderEpoch(), name + " kept its leader epoch");
            if (before.getIsrCount() > 1) {
                assertTrue(before.getReplicasList().contains(after.getLeader()) && after.getLeader() != -1,
                        name + " did not get a new leader from its ISR: " + after);
                assertFalse(after.getIsrList().contains(victimId), name + " kept the dead broker in its ISR");
                assertTrue(cluster.brokerIs(after.getLeader(), BrokerState.ACTIVE), name + " is led by a fenced broker");
            } else {
                assertEquals(-1, after.getLeader(), name + " had no other in-sync replica to take over");
            }
        });

        cluster.launcher().start(cluster.broker(victimId));
        await().atMost(REJOIN).until(() -> cluster.brokerIs(victimId, BrokerState.ACTIVE)
                && brokerInfo(victimId).getEpoch() > epochBefore);
        // A partition whose only in-sync replica was the victim is led by it again once it is back.
        partitions(p -> p.getIsrList().equals(List.of(victimId))).forEach((name, p) ->
                await().atMost(FAILOVER).until(() -> partitions(q -> true).get(name).getLeader() == victimId));
        assertNothingAcknowledgedLost();
    }

    @Test
    @Order(3)
    void cleanlyStoppedBrokerHandsOverItsLeadershipsBeforeExiting() {
        int victimId = brokerLeadingMost();
        assertFalse(partitions(p -> p.getLeader() == victimId && p.getIsrCount() > 1).isEmpty());

        cluster.launcher().stop(cluster.broker(victimId));

        // No waiting here: controlled shutdown completes before the process exits, so by the time
        // stop() returns no partition with another in-sync replica is still led by the victim.
        Map<String, PartitionInfo> stillLed = partitions(p -> p.getLeader() == victimId && p.getReplicasCount() > 1);
        assertTrue(stillLed.isEmpty(), "leaderships not handed over before exit: " + stillLed.keySet());
        assertEquals(BrokerState.FENCED, brokerInfo(victimId).getState());

        cluster.launcher().start(cluster.broker(victimId));
        await().atMost(REJOIN).until(() -> cluster.brokerIs(victimId, BrokerState.ACTIVE));
        assertNothingAcknowledgedLost();
    }

    private static void createAcknowledged(NewTopic... topics) {
        List<TopicOutcome> outcomes = cluster.admin().createTopics(List.of(topics));
        for (TopicOutcome outcome : outcomes) {
            assertTrue(outcome.succeeded(), "create " + outcome.name() + ": " + outcome.error() + " " + outcome.message());
        }
        Map<String, TopicDescription> described = topicsByName();
        for (NewTopic topic : topics) {
            TopicDescription description = described.get(topic.name());
            assertEquals(topic.partitions(), description.getPartitionsCount());
            acknowledged.put(topic.name(), description);
        }
    }

    /** Every acknowledged topic is there with its id, partitions, replicas and configs. */
    private static void assertNothingAcknowledgedLost() {
        Map<String, TopicDescription> now = topicsByName();
        acknowledged.forEach((name, created) -> {
            TopicDescription current = now.get(name);
            assertTrue(current != null, "acknowledged topic " + name + " is gone");
            assertEquals(created.getTopicId(), current.getTopicId(), name + " changed identity");
            assertEquals(created.getConfigsMap(), current.getConfigsMap(), name + " changed configs");
            assertEquals(created.getPartitionsCount(), current.getPartitionsCount(), name + " changed partition count");
            for (int i = 0; i < created.getPartitionsCount(); i++) {
                assertEquals(created.getPartitions(i).getReplicasList(), current.getPartitions(i).getReplicasList(),
                        name + "-" + i + " changed replicas");
            }
        });
    }

    private static Map<String, TopicDescription> topicsByName() {
        return cluster.topics().stream().collect(Collectors.toMap(TopicDescription::getName, Function.identity()));
    }

    private static Map<String, PartitionInfo> partitions(java.util.function.Predicate<PartitionInfo> filter) {
        Map<String, PartitionInfo> result = new TreeMap<>();
        for (TopicDescription topic : cluster.topics()) {
            for (PartitionInfo p : topic.getPartitionsList()) {
                if (filter.test(p)) {
                    result.put(topic.getName() + "-" + p.getPartition(), p);
                }
            }
        }
        return result;
    }

    private static int brokerLeadingMost() {
        Map<Integer, Long> counts = partitions(p -> p.getLeader() >= 0 && p.getIsrCount() > 1).values().stream()
                .collect(Collectors.groupingBy(PartitionInfo::getLeader, Collectors.counting()));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    private static BrokerInfo brokerInfo(int id) {
        return cluster.broker(cluster.describe(), id).orElseThrow();
    }

    private static boolean everyControllerCaughtUp(DescribeClusterResponse described) {
        List<ControllerInfo> controllers = described.getControllersList();
        long newest = controllers.stream().mapToLong(ControllerInfo::getAppliedIndex).max().orElse(0);
        return controllers.size() == 3
                && controllers.stream().allMatch(c -> c.getRole().equals("leader") || c.getRole().equals("follower"))
                && controllers.stream().min(Comparator.comparingLong(ControllerInfo::getAppliedIndex))
                        .orElseThrow().getAppliedIndex() >= newest - 1;
    }
}
