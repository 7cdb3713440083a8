package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.admin.TopicOutcome;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.producer.RecordMetadata;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
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
 * with SIGTERM. Records are produced (acks=all, idempotent) to every topic before each failure
 * and after the cluster recovered. Each scenario ends by checking that every topic whose creation
 * was acknowledged is still there, unchanged in identity, partitions, replicas and configs, and
 * that reading every partition back finds each acknowledged record once, at the offset its
 * acknowledgement reported, and nothing the test did not send.
 */
@TestMethodOrder(OrderAnnotation.class)
class NodeFailureTest {

    private static final Duration FAILOVER = Duration.ofSeconds(20);
    private static final Duration REJOIN = Duration.ofSeconds(60);
    private static final Duration READ_BACK = Duration.ofSeconds(60);
    private static final int RECORDS_PER_TOPIC = 60;

    private static ProcessCluster cluster;
    /** Topics whose creation the controllers acknowledged, as first described. */
    private static final Map<String, TopicDescription> acknowledged = new TreeMap<>();
    private static Producer producer;
    /** Every value the test sent (acknowledged or not); values are {@code <topic>/<phase>/<n>}. */
    private static final Set<String> sentValues = new HashSet<>();
    /** Acknowledged records by value: where their acknowledgement said they were written. */
    private static final Map<String, RecordMetadata> acknowledgedRecords = new TreeMap<>();

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.start("node-failure", 27000, 3, 3);
        createAcknowledged(new NewTopic("orders", 6, 3),
                new NewTopic("events", 3, 2, Map.of("retention.ms", "86400000", "min.insync.replicas", "2")),
                new NewTopic("audit", 2, 1));
        producer = new Producer(ProducerConfig.builder(brokers()).acks(-1).linger(Duration.ofMillis(5))
                .deliveryTimeout(Duration.ofSeconds(60)).build());
        produceToEveryTopic("initial");
    }

    @AfterAll
    static void stopCluster() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
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
        produceToEveryTopic("after-controller-kill");
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
        produceToEveryTopic("before-broker-kill");

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
        produceToEveryTopic("after-broker-kill");
        assertNothingAcknowledgedLost();
    }

    @Test
    @Order(3)
    void cleanlyStoppedBrokerHandsOverItsLeadershipsBeforeExiting() {
        int victimId = brokerLeadingMost();
        assertFalse(partitions(p -> p.getLeader() == victimId && p.getIsrCount() > 1).isEmpty());
        produceToEveryTopic("before-broker-stop");

        cluster.launcher().stop(cluster.broker(victimId));

        // No waiting here: controlled shutdown completes before the process exits, so by the time
        // stop() returns no partition with another in-sync replica is still led by the victim.
        Map<String, PartitionInfo> stillLed = partitions(p -> p.getLeader() == victimId && p.getReplicasCount() > 1);
        assertTrue(stillLed.isEmpty(), "leaderships not handed over before exit: " + stillLed.keySet());
        assertEquals(BrokerState.FENCED, brokerInfo(victimId).getState());

        cluster.launcher().start(cluster.broker(victimId));
        await().atMost(REJOIN).until(() -> cluster.brokerIs(victimId, BrokerState.ACTIVE));
        produceToEveryTopic("after-broker-stop");
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
            awaitServedByItsLeaders(topic.name());
        }
    }

    /**
     * Waits until every partition's leader answers for {@code topic}: the controllers acknowledge a
     * creation before the brokers have applied it, and a leader that has not yet answers
     * UNKNOWN_TOPIC: the clients retry that, but the phases' sends should measure failures, not
     * a creation still spreading.
     */
    private static void awaitServedByItsLeaders(String topic) {
        try (Consumer consumer = new Consumer(ConsumerConfig.builder(brokers()).build())) {
            await("the leaders of " + topic + " serve it").atMost(FAILOVER)
                    .ignoreExceptionsInstanceOf(ClientException.class)
                    .until(() -> consumer.endOffsets(consumer.partitionsFor(topic)).size() == acknowledged.get(topic)
                            .getPartitionsCount());
        }
    }

    private static List<Endpoint> brokers() {
        return cluster.launcher().topology().brokerEndpoints();
    }

    /**
     * Sends {@value #RECORDS_PER_TOPIC} records to every acknowledged topic, spread over its
     * partitions, and waits for their outcome: the cluster is healthy when this runs, so every
     * one must be acknowledged (else the read-back would check little).
     */
    private static void produceToEveryTopic(String phase) {
        Map<String, CompletableFuture<RecordMetadata>> sends = new LinkedHashMap<>();
        acknowledged.forEach((topic, description) -> {
            for (int i = 0; i < RECORDS_PER_TOPIC; i++) {
                String value = topic + "/" + phase + "/" + i;
                sentValues.add(value);
                sends.put(value, producer.send(new ProducerRecord(topic, i % description.getPartitionsCount(), null,
                        null, value.getBytes(StandardCharsets.UTF_8), List.of())));
            }
        });
        producer.flush();
        List<String> failed = new ArrayList<>();
        sends.forEach((value, send) -> {
            try {
                acknowledgedRecords.put(value, send.join());
            } catch (CompletionException e) {
                failed.add(value + ": " + e.getCause());
            }
        });
        assertTrue(failed.isEmpty(), failed.size() + " of " + sends.size() + " records sent in phase " + phase
                + " were not acknowledged, e.g. " + failed.subList(0, Math.min(5, failed.size())));
    }

    /**
     * Every acknowledged topic is there with its id, partitions, replicas and configs, and holds
     * every acknowledged record (see {@link #assertEveryAcknowledgedRecordReadBack}).
     */
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
        assertEveryAcknowledgedRecordReadBack();
    }

    /**
     * Reads every partition of every acknowledged topic from the beginning and compares with what
     * was acknowledged, reporting every problem at once: acknowledged records lost, stored at
     * another place than acknowledged, stored more than once, and records the test never sent.
     */
    private static void assertEveryAcknowledgedRecordReadBack() {
        List<String> lost = new ArrayList<>();
        List<String> elsewhere = new ArrayList<>();
        List<String> duplicated = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        long read = 0;
        for (String topic : acknowledged.keySet()) {
            Map<String, List<String>> stored = readBack(topic);
            read += stored.values().stream().mapToLong(List::size).sum();
            acknowledgedRecords.forEach((value, metadata) -> {
                if (!metadata.topic().equals(topic)) {
                    return;
                }
                String place = place(metadata.topic(), metadata.partition(), metadata.offset());
                List<String> places = stored.get(value);
                if (places == null) {
                    lost.add(value + " (acknowledged at " + place + ")");
                } else if (!places.contains(place)) {
                    elsewhere.add(value + " acknowledged at " + place + " but stored at " + places);
                }
            });
            stored.forEach((value, places) -> {
                if (places.size() > 1) {
                    duplicated.add(value + " at " + places);
                }
                if (!sentValues.contains(value)) {
                    unexpected.add(value + " at " + places);
                }
            });
        }
        String report = problems("lost", lost) + problems("at another offset", elsewhere)
                + problems("stored more than once", duplicated) + problems("never sent", unexpected);
        assertTrue(report.isEmpty(), acknowledgedRecords.size() + " acknowledged records, " + read
                + " read back:" + report);
    }

    private static String problems(String kind, List<String> found) {
        return found.isEmpty() ? "" : "\n  " + found.size() + " " + kind + ", e.g. "
                + found.stream().sorted().limit(10).toList();
    }

    private static String place(String topic, int partition, long offset) {
        return topic + "-" + partition + "@" + offset;
    }

    /**
     * Every record of {@code topic} below the high watermarks, as value to the places it is
     * stored. First waits (up to {@link #READ_BACK}) for the high watermarks to cover every
     * acknowledged offset, as a new leader's may lag a moment; one still short then shows as lost.
     */
    private static Map<String, List<String>> readBack(String topic) {
        Map<Integer, Long> needed = new TreeMap<>();
        acknowledgedRecords.values().stream().filter(m -> m.topic().equals(topic))
                .forEach(m -> needed.merge(m.partition(), m.offset() + 1, Math::max));
        Map<String, List<String>> stored = new HashMap<>();
        try (Consumer consumer = new Consumer(ConsumerConfig.builder(brokers()).maxPollRecords(10_000).build())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic);
            Map<TopicPartition, Long> ends = new HashMap<>();
            long giveUpAt = System.nanoTime() + READ_BACK.toNanos();
            await().atMost(READ_BACK.plusSeconds(10)).until(() -> {
                ends.putAll(consumer.endOffsets(partitions));
                return System.nanoTime() > giveUpAt || partitions.stream()
                        .allMatch(tp -> ends.get(tp) >= needed.getOrDefault(tp.partition(), 0L));
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await("reading " + topic + " up to " + ends).atMost(READ_BACK).pollInterval(Duration.ofMillis(5))
                    .until(() -> {
                        for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                            stored.computeIfAbsent(new String(record.value(), StandardCharsets.UTF_8),
                                    k -> new ArrayList<>()).add(place(topic, record.partition(), record.offset()));
                        }
                        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
                    });
        }
        return stored;
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
