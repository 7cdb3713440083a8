package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.metrics.Exposition;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers replicating a four-partition RF-3 topic with fetch sessions: once a follower's
 * session is open its requests list only the partitions whose position moved, while every
 * acknowledged acks=all write is still read back and the replicas stay byte-identical.
 */
class FetchSessionReplicationTest {

    private static final String TOPIC = "sessions";
    private static final int PARTITIONS = 4;
    private static final String REQUESTS = "wharf_replica_fetch_session_requests_total";
    private static final String LISTED = "wharf_replica_fetch_partitions_requested_total";

    @TempDir
    Path dir;

    private InProcessCluster cluster;

    @BeforeEach
    void setUp() {
        cluster = new InProcessCluster(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        cluster.close();
    }

    @Test
    void incrementalRequestsListOnlyMovedPartitionsAndReplicationStaysExact() throws Exception {
        Map<Integer, Integer> leaders = startClusterWithTopic();
        Map<Integer, List<String>> acked = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            acked.put(p, produceAll(leaders.get(p), p, "warm", 10));
        }
        awaitIdenticalReplicas(leaders);

        // Quiet: no position moves, so a follower's requests list nothing at all.
        Map<Integer, Double> listedBefore = sum(LISTED);
        Map<Integer, Double> incrementalBefore = sum(REQUESTS, "kind", "incremental");
        Map<Integer, Double> fullBefore = sum(REQUESTS, "kind", "full");
        await().atMost(Duration.ofSeconds(20)).until(() -> total(sum(REQUESTS, "kind", "incremental"))
                >= total(incrementalBefore) + 10);
        assertEquals(listedBefore, sum(LISTED), "quiet incremental requests listed partitions");
        assertEquals(fullBefore, sum(REQUESTS, "kind", "full"), "a session was lost while quiet");

        // Writes to partition 0 only: its followers list it alone, never the leader's other partitions.
        int leader = leaders.get(0);
        double listed = sum(LISTED).get(leader);
        double incremental = sum(REQUESTS, "kind", "incremental").get(leader);
        acked.get(0).addAll(produceAll(leader, 0, "hot", 30));
        awaitIdenticalReplicas(leaders);
        double listedHot = sum(LISTED).get(leader) - listed;
        double incrementalHot = sum(REQUESTS, "kind", "incremental").get(leader) - incremental;
        assertTrue(listedHot > 0, "moved positions were never listed");
        assertTrue(listedHot <= incrementalHot, listedHot + " partitions listed in " + incrementalHot
                + " incremental requests: some listed a partition that had not moved");
        assertEquals(fullBefore, sum(REQUESTS, "kind", "full"), "a session was lost while writing");

        for (int p = 0; p < PARTITIONS; p++) {
            acked.get(p).addAll(produceAll(leaders.get(p), p, "after", 5));
        }
        awaitIdenticalReplicas(leaders);
        for (int p = 0; p < PARTITIONS; p++) {
            assertEquals(acked.get(p), consumeAll(leaders.get(p), p), "partition " + p);
        }
    }

    /** Three controllers, three brokers, the topic; the leader of each partition. */
    private Map<Integer, Integer> startClusterWithTopic() throws Exception {
        cluster.startControllers(Map.of());
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id, Map.of(BrokerConfig.REPLICA_LAG_TIME_MAX_MS, "2000",
                    BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200"));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().values().stream()
                .allMatch(BrokerNode::isActive));
        cluster.createTopic(TOPIC, PARTITIONS, Map.of());
        Map<Integer, Integer> leaders = new HashMap<>();
        for (int p = 0; p < PARTITIONS; p++) {
            leaders.put(p, cluster.awaitLeader(new TopicPartition(TOPIC, p)));
        }
        return leaders;
    }

    /** The counter's value on each broker, summed over the samples with those labels. */
    private Map<Integer, Double> sum(String name, String... labels) {
        Map<Integer, Double> values = new HashMap<>();
        cluster.brokers().forEach((id, broker) -> values.put(id, Exposition.scrape(broker.metrics().registry())
                .samples(name, labels).stream().mapToDouble(Exposition.Sample::value).sum()));
        return values;
    }

    private static double total(Map<Integer, Double> values) {
        return values.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    private List<String> produceAll(int leader, int partition, String prefix, int count) {
        return cluster.produceAll(leader, new TopicPartition(TOPIC, partition), prefix + "-" + partition, count);
    }

    private List<String> consumeAll(int leader, int partition) {
        return cluster.consumeAll(leader, new TopicPartition(TOPIC, partition));
    }

    /** Every replica of every partition reaches its leader's end and HW, byte-identical below it. */
    private void awaitIdenticalReplicas(Map<Integer, Integer> leaders) {
        leaders.forEach((partition, leader) -> cluster.awaitIdenticalReplicas(new TopicPartition(TOPIC, partition), leader));
    }
}
