package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.ByteString;
import io.wharf.broker.partition.Partition;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.FaultyFileChannels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * In {@code flush.mode=sync} a follower does not hold its next fetch for the fsync of what it
 * just appended: it fetches on while the fsync runs, and when the fsync ends it tells the leader
 * ({@code ReplicaDurable}), whose high watermark then moves although the follower's fetch is
 * long-polling with nothing new to read. Three brokers, one RF-3 partition, the followers' disks
 * slow to fsync and a fetch max wait far longer than the produce timeout.
 */
class FollowerFsyncOverlapTest {

    private static final String TOPIC = "overlap";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static final Duration SLOW_FSYNC = Duration.ofSeconds(2);

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

    @Test
    void aFollowerFetchesOnWhileItsFsyncRunsAndItsReportMovesTheHighWatermark() throws Exception {
        cluster.startControllers(Map.of());
        for (int id = 1; id <= 3; id++) {
            // A fetch waits up to 30 s for news; the produce below times out after 10 s.
            cluster.startBroker(id, Map.of(BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "30000",
                    BrokerConfig.REPLICA_LAG_TIME_MAX_MS, "60000"), disks);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().values().stream()
                .allMatch(BrokerNode::isActive));
        cluster.createTopic(TOPIC, Map.of());
        int leader = cluster.awaitLeader(TP);
        List<String> acked = new ArrayList<>(cluster.produceAll(leader, TP, "warm", 5));
        List<Integer> followers = cluster.brokers().keySet().stream().filter(id -> id != leader).toList();
        for (int follower : followers) {
            disks.slowFsyncs(cluster.brokers().get(follower).config().dataDir(), SLOW_FSYNC);
        }

        long slowOffset = cluster.replica(leader, TP).orElseThrow().log().logEndOffset();
        ListenableFuture<ProduceResponse> slow = BrokerServiceGrpc.newFutureStub(cluster.channel(leader))
                .withDeadlineAfter(30, TimeUnit.SECONDS).produce(request(-1, "slow"));
        await().atMost(Duration.ofSeconds(10)).until(() -> followers.stream().allMatch(id ->
                cluster.replica(id, TP).orElseThrow().log().logEndOffset() > slowOffset));
        ProducePartitionResult next = cluster.stub(leader).produce(request(1, "next")).getPartitions(0);
        assertEquals(ErrorCode.NONE, next.getError().getCode(), next.getError().toString());

        // The followers fetch "next" while their fsync of "slow" still sleeps.
        await().atMost(SLOW_FSYNC.dividedBy(2)).until(() -> followers.stream().allMatch(id ->
                cluster.replica(id, TP).orElseThrow().log().logEndOffset() > slowOffset + 1));
        for (int follower : followers) {
            Partition replica = cluster.replica(follower, TP).orElseThrow();
            assertTrue(replica.log().flushedOffset() <= slowOffset, "broker " + follower + " had fsynced up to "
                    + replica.log().flushedOffset() + " before it fetched the record after " + slowOffset);
        }

        // Nothing more is written, so the followers' fetches wait at the leader for 30 s; the
        // acks=all produce is answered once their fsyncs end and they report them.
        ProducePartitionResult slowResult = slow.get(20, TimeUnit.SECONDS).getPartitions(0);
        assertEquals(ErrorCode.NONE, slowResult.getError().getCode(), slowResult.getError().toString());
        acked.add("slow");
        acked.add("next");
        Partition leading = cluster.replica(leader, TP).orElseThrow();
        await().atMost(Duration.ofSeconds(15)).until(() -> leading.highWatermark() == leading.log().logEndOffset());
        assertEquals(acked, cluster.consumeAll(leader, TP));
        for (int follower : followers) {
            assertEquals(leading.log().logEndOffset(), cluster.replica(follower, TP).orElseThrow().log().flushedOffset(),
                    "broker " + follower + " fsynced all");
        }
    }

    private static ProduceRequest request(int acks, String value) {
        return ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(10_000)
                .addPartitions(ProducePartition.newBuilder().setTopic(TOPIC).setPartition(0)
                        .setRecords(ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                                .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8))
                                .build())))
                .build();
    }
}
