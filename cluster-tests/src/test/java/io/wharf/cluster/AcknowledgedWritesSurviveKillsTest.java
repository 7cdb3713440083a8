package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.cli.cluster.NodeName;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces with acks=all (RF 3, min.insync.replicas 2) while a node is killed with SIGKILL and
 * restarted, then reads every partition from the beginning: every acknowledged record must be
 * there, at the offset its acknowledgement reported, in send order within its partition
 * ({@link AcknowledgedRecords}); once every replica is back in the ISR, the replicas' logs must be
 * identical below the high watermark ({@link ReplicaLogs}).
 * The producer is idempotent, so a batch whose acknowledgement the kill swallowed and that was
 * sent again must still be stored once.
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
        AcknowledgedRecords records = new AcknowledgedRecords(topic);
        ProducerConfig config = ProducerConfig.builder(cluster.launcher().topology().brokerEndpoints())
                .acks(-1).linger(Duration.ofMillis(5)).deliveryTimeout(Duration.ofSeconds(60)).build();
        try (Producer producer = new Producer(config)) {
            for (int i = 0; i < RECORDS; i++) {
                if (i == RECORDS / 3) {
                    cluster.launcher().kill(victim);
                }
                if (i == 2 * RECORDS / 3) {
                    cluster.launcher().start(victim);
                }
                long sequence = i;
                producer.send(new ProducerRecord(topic, null, records.value(sequence)))
                        .whenComplete((metadata, failure) -> records.completed(sequence, metadata, failure));
                if (i % 100 == 99) {
                    // Pace the sends so the kill lands in the middle of the stream, not after it.
                    producer.flush();
                }
            }
            producer.flush();
        }
        LOG.info("{}: {} acknowledged, {} failed after the kill of {}", topic, records.acknowledgedCount(),
                records.failedCount(), victim);
        assertTrue(records.acknowledgedCount() > RECORDS / 2, "writes did not resume after the kill: only "
                + records.acknowledgedCount() + " of " + RECORDS + " acknowledged");
        await().atMost(Duration.ofSeconds(60)).until(() -> victim.isController()
                ? cluster.leader().isPresent() : cluster.brokerIs(victim.id(), BrokerState.ACTIVE));
        AcknowledgedRecords.ReadBack readBack = records.assertReadBack(
                cluster.launcher().topology().brokerEndpoints());
        cluster.assertReplicasIdentical(topic, readBack.highWatermarks(), Duration.ofSeconds(60));
    }

    private static String createTopic(String name) {
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(name, PARTITIONS, 3,
                Map.of("min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(Duration.ofSeconds(10)).until(() -> partition(name, 0).getLeader() >= 0);
        return name;
    }

    private static PartitionInfo partition(String topic, int partition) {
        return cluster.partition(topic, partition);
    }

    private static int leaderOf(String topic, int partition) {
        return partition(topic, partition).getLeader();
    }
}
