package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.producer.RecordMetadata;
import io.wharf.proto.common.PartitionInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A compacted topic on real broker processes: every replica compacts on its own, yet all agree on
 * every key's latest value below the high watermark; a broker killed with SIGKILL in the middle of
 * a cleaning (its cleaner throttled so a cleaning lasts seconds, caught while a {@code .cleaned}
 * file exists) restarts with its log whole; and a consumer reading from the start rebuilds
 * exactly the latest acknowledged value of every key.
 */
class CompactedTopicTest {
    private static final String TOPIC = "prices";
    private static final int PARTITIONS = 2;
    private static final int KEYS = 40;

    private ProcessCluster cluster;

    @AfterEach
    void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void replicasCompactOnTheirOwnAgreeOnLatestValuesAndSurviveAKillMidClean() throws Exception {
        cluster = ProcessCluster.start("compacted-topic", 29800, 3, 3, Map.of(
                "log.cleaner.backoff.ms", "200", "log.cleaner.io.max.bytes.per.second", "40000"));
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, 3, Map.of(
                "cleanup.policy", "compact", "segment.bytes", "4096", "min.cleanable.dirty.ratio", "0.01",
                "min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> cluster.fullyReplicated(TOPIC));

        Map<String, String> acknowledged = new HashMap<>();
        Map<Integer, Long> produced = new HashMap<>();
        for (int round = 0; round < 12; round++) {
            produceRound(round, acknowledged, produced);
        }
        // Every replica of every partition compacts on its own: each ends up holding fewer records.
        // A copy of a live replica fails when its cleaner swaps segments meanwhile: then it is taken again.
        await("every replica cleaned").atMost(Duration.ofSeconds(90)).ignoreException(UncheckedIOException.class)
                .until(() -> everyReplicaHoldsFewerThan(produced));
        assertReplicasAgreeOnLatestValues(acknowledged);

        // More dirty data, then a SIGKILL of a broker while its throttled cleaner has a .cleaned file open.
        for (int round = 12; round < 24; round++) {
            produceRound(round, acknowledged, produced);
        }
        int victim = await("a broker mid-clean").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
                .until(this::brokerMidClean, id -> id > 0);
        cluster.launcher().kill(cluster.broker(victim));
        cluster.launcher().start(cluster.broker(victim));
        await("the killed broker back in every ISR").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> cluster.fullyReplicated(TOPIC));

        assertReplicasAgreeOnLatestValues(acknowledged);
        assertEquals(acknowledged, consumeLatestValues(produced), "a reader from the start rebuilds every key");
    }

    /** Sends one value for every key with acks=all; records the acknowledged value and the highest offset per partition. */
    private void produceRound(int round, Map<String, String> acknowledged, Map<Integer, Long> produced)
            throws Exception {
        try (Producer producer = new Producer(ProducerConfig.builder(brokers()).build())) {
            List<CompletableFuture<RecordMetadata>> sent = new ArrayList<>();
            for (int k = 0; k < KEYS; k++) {
                sent.add(producer.send(new ProducerRecord(TOPIC, utf8("item-" + k), utf8("round-" + round + "-"
                        + "x".repeat(100)))));
            }
            for (int k = 0; k < KEYS; k++) {
                RecordMetadata metadata = sent.get(k).get(30, TimeUnit.SECONDS);
                acknowledged.put("item-" + k, "round-" + round + "-" + "x".repeat(100));
                produced.merge(metadata.partition(), metadata.offset() + 1, Math::max);
            }
        }
    }

    private boolean everyReplicaHoldsFewerThan(Map<Integer, Long> produced) {
        for (int p = 0; p < PARTITIONS; p++) {
            for (int broker : cluster.partition(TOPIC, p).getReplicasList()) {
                ReplicaLogs.Replica replica = ReplicaLogs.read(broker,
                        ReplicaLogs.partitionDir(cluster, broker, TOPIC, p), produced.get(p));
                long records = replica.batches().stream().mapToLong(b -> b.records().size()).sum();
                if (records >= produced.get(p)) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Every replica, read from disk below the high watermark, agrees with the other replicas of its
     * partition on every key's latest value, and together the partitions hold exactly the
     * acknowledged latest values.
     */
    private void assertReplicasAgreeOnLatestValues(Map<String, String> acknowledged) {
        await("replicas agree on every key's latest value").atMost(Duration.ofSeconds(60))
                .ignoreException(UncheckedIOException.class).untilAsserted(() -> {
            Map<String, String> union = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                PartitionInfo info = cluster.partition(TOPIC, p);
                long highWatermark = endOffset(p);
                Map<String, String> first = null;
                for (int broker : info.getReplicasList()) {
                    ReplicaLogs.Replica replica = ReplicaLogs.read(broker,
                            ReplicaLogs.partitionDir(cluster, broker, TOPIC, p), highWatermark);
                    Map<String, String> latest = new HashMap<>();
                    for (ReplicaLogs.StoredBatch batch : replica.batches()) {
                        for (ReplicaLogs.StoredRecord record : batch.records()) {
                            latest.put(fromHex(record.key()), fromHex(record.value()));
                        }
                    }
                    if (first == null) {
                        first = latest;
                    }
                    assertEquals(first, latest, "replica on broker " + broker + " of " + TOPIC + "-" + p);
                }
                union.putAll(first);
            }
            assertEquals(acknowledged, union, "the replicas hold every acknowledged latest value, nothing else");
        });
    }

    /** Reads both partitions from offset 0 to their end with the SDK consumer: key → latest value. */
    private Map<String, String> consumeLatestValues(Map<Integer, Long> produced) {
        Map<String, String> latest = new HashMap<>();
        try (Consumer consumer = new Consumer(ConsumerConfig.builder(brokers()).build())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int p = 0; p < PARTITIONS; p++) {
                partitions.add(new TopicPartition(TOPIC, p));
            }
            consumer.assign(partitions);
            partitions.forEach(tp -> consumer.seek(tp, 0));
            await("read to the end").atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord record : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(new String(record.key(), StandardCharsets.UTF_8),
                            new String(record.value(), StandardCharsets.UTF_8));
                }
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= produced.get(tp.partition()));
            });
        }
        return latest;
    }

    private long endOffset(int partition) {
        try (Consumer consumer = new Consumer(ConsumerConfig.builder(brokers()).build())) {
            TopicPartition tp = new TopicPartition(TOPIC, partition);
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** The id of a broker holding a cleaning's uncommitted {@code .cleaned} file of this topic right now, or 0. */
    private int brokerMidClean() throws IOException {
        for (int broker = 1; broker <= 3; broker++) {
            for (int p = 0; p < PARTITIONS; p++) {
                Path dir = ReplicaLogs.partitionDir(cluster, broker, TOPIC, p);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                try (Stream<Path> files = Files.list(dir)) {
                    if (files.anyMatch(f -> f.getFileName().toString().endsWith(".cleaned"))) {
                        return broker;
                    }
                }
            }
        }
        return 0;
    }

    private List<Endpoint> brokers() {
        return cluster.launcher().topology().brokerEndpoints();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String fromHex(String hex) {
        return hex == null ? null : new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
    }
}
