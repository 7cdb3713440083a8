package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.producer.RecordMetadata;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces with acks=all (RF 3, min.insync.replicas 2) while a node is killed with SIGKILL and
 * restarted, then reads every partition from the beginning: every acknowledged record must be
 * there, at the offset its acknowledgement reported, in send order within its partition.
 *
 * <p>The producer is not idempotent yet, so a batch whose acknowledgement was lost in the kill may
 * be appended twice; duplicates are counted and logged, not failed on.
 */
class AcknowledgedWritesSurviveKillsTest {

    private static final Logger LOG = LoggerFactory.getLogger(AcknowledgedWritesSurviveKillsTest.class);
    private static final int RECORDS = 3000;
    private static final int PARTITIONS = 3;

    private static ProcessCluster cluster;

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.start("acknowledged-writes", 28000, 3, 3);
    }

    @AfterAll
    static void stopCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void partitionLeaderKilledDuringProduce() {
        String topic = createTopic("leader-kill");
        NodeName victim = cluster.broker(leaderOf(topic, 0));
        produceThrough(topic, victim);
    }

    @Test
    void followerKilledDuringProduce() {
        String topic = createTopic("follower-kill");
        PartitionInfo p0 = partition(topic, 0);
        int follower = p0.getReplicasList().stream().filter(id -> id != p0.getLeader()).findFirst().orElseThrow();
        produceThrough(topic, cluster.broker(follower));
    }

    @Test
    void activeControllerKilledDuringProduce() {
        String topic = createTopic("controller-kill");
        produceThrough(topic, cluster.controller(cluster.leader().orElseThrow().getId()));
    }

    /** Sends RECORDS records; SIGKILLs {@code victim} a third of the way, restarts it at two thirds. */
    private void produceThrough(String topic, NodeName victim) {
        Map<String, RecordMetadata> acknowledged = new ConcurrentHashMap<>();
        AtomicInteger failed = new AtomicInteger();
        ProducerConfig config = ProducerConfig.builder(cluster.launcher().topology().brokerEndpoints())
                .acks(-1).linger(Duration.ofMillis(5)).deliveryTimeout(Duration.ofSeconds(60)).build();
        try (Producer producer = new Producer(config)) {
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
            for (int i = 0; i < RECORDS; i++) {
                if (i == RECORDS / 3) {
                    cluster.launcher().kill(victim);
                }
                if (i == 2 * RECORDS / 3) {
                    cluster.launcher().start(victim);
                }
                String value = topic + "-" + i;
                sends.add(producer.send(new ProducerRecord(topic, null, value.getBytes(StandardCharsets.UTF_8)))
                        .whenComplete((metadata, failure) -> {
                            if (failure == null) {
                                acknowledged.put(value, metadata);
                            } else {
                                failed.incrementAndGet();
                            }
                        }));
                if (i % 100 == 99) {
                    // Pace the sends so the kill lands in the middle of the stream, not after it.
                    producer.flush();
                }
            }
            producer.flush();
        }
        LOG.info("{}: {} acknowledged, {} failed after the kill of {}", topic, acknowledged.size(), failed.get(), victim);
        assertTrue(acknowledged.size() > RECORDS / 2, "writes did not resume after the kill: only "
                + acknowledged.size() + " of " + RECORDS + " acknowledged");
        await().atMost(Duration.ofSeconds(60)).until(() -> victim.isController()
                ? cluster.leader().isPresent() : cluster.brokerIs(victim.id(), BrokerState.ACTIVE));
        assertEveryAcknowledgedRecordIsReadBack(topic, acknowledged);
    }

    private void assertEveryAcknowledgedRecordIsReadBack(String topic, Map<String, RecordMetadata> acknowledged) {
        Map<TopicPartition, Map<Long, String>> log = readAll(topic, acknowledged);
        int duplicates = 0;
        Map<String, Integer> seen = new HashMap<>();
        for (Map<Long, String> partition : log.values()) {
            for (String value : partition.values()) {
                if (seen.merge(value, 1, Integer::sum) > 1) {
                    duplicates++;
                }
            }
        }
        acknowledged.forEach((value, metadata) -> {
            String stored = log.getOrDefault(new TopicPartition(topic, metadata.partition()), Map.of())
                    .get(metadata.offset());
            assertEquals(value, stored, "acknowledged record " + value + " is not at " + metadata.partition() + "@"
                    + metadata.offset());
        });
        // Within a partition, acknowledged records appear in the order they were sent.
        for (int p = 0; p < PARTITIONS; p++) {
            int partition = p;
            List<Integer> order = acknowledged.entrySet().stream()
                    .filter(e -> e.getValue().partition() == partition)
                    .sorted(Map.Entry.comparingByValue((a, b) -> Long.compare(a.offset(), b.offset())))
                    .map(e -> Integer.parseInt(e.getKey().substring(e.getKey().lastIndexOf('-') + 1)))
                    .toList();
            for (int i = 1; i < order.size(); i++) {
                assertTrue(order.get(i - 1) < order.get(i), topic + "-" + partition + " reordered acknowledged records "
                        + order.get(i - 1) + " and " + order.get(i));
            }
        }
        LOG.info("{}: every acknowledged record read back at its offset; {} duplicate appends", topic, duplicates);
    }

    /** Reads each partition from the beginning until every acknowledged offset has been passed. */
    private Map<TopicPartition, Map<Long, String>> readAll(String topic, Map<String, RecordMetadata> acknowledged) {
        Map<TopicPartition, Long> needed = new HashMap<>();
        acknowledged.values().forEach(m -> needed.merge(new TopicPartition(topic, m.partition()), m.offset() + 1, Math::max));
        Map<TopicPartition, Map<Long, String>> log = new HashMap<>();
        ConsumerConfig config = ConsumerConfig.builder(cluster.launcher().topology().brokerEndpoints()).build();
        try (Consumer consumer = new Consumer(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(500))) {
                    log.computeIfAbsent(new TopicPartition(record.topic(), record.partition()), k -> new HashMap<>())
                            .put(record.offset(), new String(record.value(), StandardCharsets.UTF_8));
                }
                return needed.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
            });
        }
        return log;
    }

    private static String createTopic(String name) {
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(name, PARTITIONS, 3,
                Map.of("min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(10)).until(() -> partition(name, 0).getLeader() >= 0);
        return name;
    }

    private static PartitionInfo partition(String topic, int partition) {
        return cluster.admin().describeTopics(List.of(topic)).topics().get(0).getPartitions(partition);
    }

    private static int leaderOf(String topic, int partition) {
        return partition(topic, partition).getLeader();
    }
}
