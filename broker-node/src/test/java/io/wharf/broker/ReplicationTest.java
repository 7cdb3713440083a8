package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.broker.partition.Partition;
import io.wharf.controller.ControllerNode;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.FaultyFileChannels;
import io.wharf.replication.log.Log;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers replicating one RF-3 partition (min.insync.replicas 2) under three in-process
 * {@link ControllerNode}s: acks=all writes reach every ISR member, a follower that was down
 * catches up and rejoins the ISR (also when the leader's log start passed its log end meanwhile),
 * closing the leader loses no acknowledged write, and the replica logs are byte-identical up to
 * the high watermark.
 */
class ReplicationTest {

    private static final String TOPIC = "replicated";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    @TempDir
    Path dir;

    private InProcessCluster cluster;
    private final FaultyFileChannels disks = new FaultyFileChannels();

    @BeforeEach
    void setUp() {
        cluster = new InProcessCluster(dir);
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        cluster.close();
    }

    /** Three controllers, three brokers, the topic, and the broker that leads it. */
    private int startClusterWithTopic() throws Exception {
        cluster.startControllers(Map.of());
        for (int id = 1; id <= 3; id++) {
            startBroker(id);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().values().stream()
                .allMatch(BrokerNode::isActive));
        cluster.createTopic(TOPIC, Map.of());
        return awaitLeader();
    }

    private BrokerNode startBroker(int id) throws Exception {
        return cluster.startBroker(id, Map.of(BrokerConfig.REPLICA_LAG_TIME_MAX_MS, "2000",
                BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "200"), disks);
    }

    private Optional<Partition> replica(int brokerId) {
        return cluster.replica(brokerId, TP);
    }

    private int awaitLeader() {
        return cluster.awaitLeader(TP);
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub stub(int brokerId) {
        return cluster.stub(brokerId);
    }

    private static ByteString batch(String value) {
        return ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)).build());
    }

    private List<String> produceAll(int leader, String prefix, int count) {
        return cluster.produceAll(leader, TP, prefix, count);
    }

    private List<String> consumeAll(int leader) {
        return cluster.consumeAll(leader, TP);
    }

    private void awaitIdenticalReplicas(int leader) {
        cluster.awaitIdenticalReplicas(TP, leader);
    }

    @Test
    void aFollowerThatFellBelowTheLeadersLogStartRestartsThereAndRejoinsTheIsr() throws Exception {
        int leader = startClusterWithTopic();
        produceAll(leader, "first", 20);
        awaitIdenticalReplicas(leader);

        int follower = leader == 1 ? 2 : 1;
        int other = 6 - leader - follower;
        cluster.stopBroker(follower);
        produceAll(leader, "while-" + follower + "-was-down", 20);
        // As retention would while the follower is away: the log start passes the follower's log end.
        replica(leader).orElseThrow().log().deleteRecordsBefore(30);
        await().atMost(Duration.ofSeconds(20)).until(() -> replica(other).orElseThrow().log().logEndOffset() == 40);
        replica(other).orElseThrow().log().deleteRecordsBefore(30);

        startBroker(follower);
        Partition lead = replica(leader).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> lead.state().isr().size() == 3);
        awaitIdenticalReplicas(leader);
        Log restarted = replica(follower).orElseThrow().log();
        assertEquals(30, restarted.logStartOffset(), "the follower restarted its log at the leader's log start");
        assertEquals(40, restarted.logEndOffset());
        produceAll(leader, "after-rejoin", 5);
        awaitIdenticalReplicas(leader);
    }

    @Test
    void aProduceWhoseAnswerWasLostIsRetriedOnTheNewLeaderAndWrittenOnce() throws Exception {
        int leader = startClusterWithTopic();
        long producerId = stub(leader).initProducerId(InitProducerIdRequest.getDefaultInstance()).getProducerId();
        // The id comes from a block the controller just allocated; until every broker's metadata
        // has that allocation a produce is answered UNKNOWN_PRODUCER_ID (retriable: the producer
        // retries it). This test sends raw requests, so it waits for the metadata instead.
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.brokers().values().stream()
                .allMatch(broker -> broker.metadataImage().nextProducerId() > producerId));
        List<String> acked = new ArrayList<>();
        long[] offsets = new long[4];
        for (int seq = 0; seq < 4; seq++) {
            ProducePartitionResult result = stub(leader).produce(idempotentRequest(producerId, seq)).getPartitions(0);
            assertEquals(ErrorCode.NONE, result.getError().getCode(), result.getError().toString());
            offsets[seq] = result.getBaseOffset();
            acked.add("seq-" + seq);
        }

        // The answer to the last produce is "lost": the producer resends it to whoever leads after the leader died.
        cluster.stopBroker(leader);
        int newLeader = awaitLeader();
        ProducePartitionResult retried = stub(newLeader).produce(idempotentRequest(producerId, 3)).getPartitions(0);
        ProducePartitionResult next = stub(newLeader).produce(idempotentRequest(producerId, 4)).getPartitions(0);

        assertEquals(ErrorCode.NONE, retried.getError().getCode(), retried.getError().toString());
        assertEquals(offsets[3], retried.getBaseOffset(), "the retry answers the offset of the first write");
        assertEquals(ErrorCode.NONE, next.getError().getCode(), next.getError().toString());
        acked.add("seq-4");
        assertEquals(acked, consumeAll(newLeader), "every acknowledged record exactly once, in order");
        awaitIdenticalReplicas(newLeader);
    }

    private static ProduceRequest idempotentRequest(long producerId, int sequence) {
        ByteString records = ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                .producer(producerId, (short) 0, sequence)
                .append(System.currentTimeMillis(), null, ("seq-" + sequence).getBytes(StandardCharsets.UTF_8)).build());
        return ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000).addPartitions(ProducePartition.newBuilder()
                .setTopic(TOPIC).setPartition(0).setRecords(records)).build();
    }

    @Test
    void acknowledgedWritesSurviveFollowerAndLeaderLossAndReplicasStayIdentical() throws Exception {
        int leader = startClusterWithTopic();
        List<String> acked = new ArrayList<>(produceAll(leader, "first", 20));
        awaitIdenticalReplicas(leader);

        // A follower goes away (leaves the ISR), misses writes, comes back and catches up.
        int follower = leader == 1 ? 2 : 1;
        cluster.stopBroker(follower);
        acked.addAll(produceAll(leader, "while-" + follower + "-was-down", 10));
        startBroker(follower);
        Partition lead = replica(leader).orElseThrow();
        await().atMost(Duration.ofSeconds(20)).until(() -> lead.state().isr().size() == 3);
        awaitIdenticalReplicas(leader);

        // The leader goes away: a survivor leads, every acknowledged write is there exactly once.
        cluster.stopBroker(leader);
        int newLeader = awaitLeader();
        assertNotEquals(leader, newLeader);
        acked.addAll(produceAll(newLeader, "after-failover", 10));
        assertEquals(acked, consumeAll(newLeader));
        awaitIdenticalReplicas(newLeader);
    }

    @Test
    void aLeaderWhoseDiskFailsStopsServingMovesItsLeadershipAndLosesNothingAcknowledged() throws Exception {
        int leader = startClusterWithTopic();
        List<String> acked = new ArrayList<>(produceAll(leader, "before", 10));
        awaitIdenticalReplicas(leader);
        BrokerNode failing = cluster.brokers().get(leader);

        // Every fsync in the leader's log directory fails from now on.
        disks.failFsyncs(failing.config().dataDir());
        ProducePartitionResult lost = stub(leader).produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                .addPartitions(ProducePartition.newBuilder().setTopic(TOPIC).setPartition(0)
                        .setRecords(batch("during-the-fault"))).build()).getPartitions(0);
        assertEquals(ErrorCode.STORAGE_ERROR, lost.getError().getCode(), lost.getError().toString());
        assertTrue(lost.getError().getMessage().contains("offline"), lost.getError().getMessage());

        // The broker told the controller (controlled shutdown) and stopped; a survivor leads.
        await().atMost(Duration.ofSeconds(30)).until(() -> failing.failure().isPresent());
        failing.awaitStopped();
        assertTrue(failing.failure().orElseThrow().getMessage().contains("fsync"),
                failing.failure().orElseThrow().toString());
        cluster.stopBroker(leader);
        int newLeader = awaitLeader();
        assertNotEquals(leader, newLeader);

        acked.addAll(produceAll(newLeader, "after", 10));
        // The record whose produce failed may or may not have reached the followers (an
        // ambiguous outcome, as a timeout is); every acknowledged one is there once, in order.
        List<String> consumed = consumeAll(newLeader);
        consumed.remove("during-the-fault");
        assertEquals(acked, consumed);
    }
}
