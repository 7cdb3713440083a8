package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeLogsRequest;
import io.wharf.proto.broker.DescribeLogsResponse;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.broker.ReplicaLog;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.Log;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DescribeLogs} on one real broker against a fake controller quorum: every hosted replica,
 * led or followed, with its offsets, size and segments, and for a compacted topic where the log
 * cleaner stands.
 */
class DescribeLogsTest {

    @TempDir
    Path dir;

    private FakeQuorum quorum;
    private BrokerNode broker;
    private ManagedChannel channel;
    private BrokerServiceGrpc.BrokerServiceBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        quorum = FakeQuorum.start(1);
        Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(1, quorum.bootstrap(), dir));
        config.put(BrokerConfig.LOG_CLEANER_BACKOFF_MS, "50");
        broker = new BrokerNode(BrokerConfig.from(config));
        broker.start();
        await().atMost(Duration.ofSeconds(10)).until(broker::isActive);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.rpcPort()).usePlaintext().build();
        stub = BrokerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        }
        if (broker != null) {
            broker.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    private void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        var outcome = quorum.createTopic(name, partitions, replicationFactor, configs);
        assertEquals(ErrorCode.NONE, outcome.result().getItems(0).getError().getCode(), outcome.result().toString());
    }

    /** Waits until broker 1 hosts every replica of {@code name} assigned to it, in its assigned role. */
    private void awaitReplicas(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (PartitionState p : quorum.image().topic(name).orElseThrow().partitions().values()) {
                var hosted = broker.partitions().partition(new TopicPartition(name, p.partition()));
                if (p.replicas().contains(1) && (hosted.isEmpty() || hosted.get().isLeader() != (p.leader() == 1))) {
                    return false;
                }
            }
            return true;
        });
    }

    /** {@code count} one-record batches with acks=all, keys cycling through four; returns their bytes. */
    private long produce(String topic, int partition, int count) {
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            ByteString batch = ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE).append(
                    System.currentTimeMillis(), ("key-" + i % 4).getBytes(StandardCharsets.UTF_8),
                    ("value-" + i).getBytes(StandardCharsets.UTF_8)).build());
            ProduceResponse response = stub.produce(ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(5000)
                    .addPartitions(ProducePartition.newBuilder().setTopic(topic).setPartition(partition)
                            .setRecords(batch)).build());
            assertEquals(ErrorCode.NONE, response.getPartitions(0).getError().getCode(), response.toString());
            bytes += batch.size();
        }
        return bytes;
    }

    private DescribeLogsResponse describe(String... topics) {
        DescribeLogsResponse response = stub.describeLogs(DescribeLogsRequest.newBuilder().addAllTopics(List.of(topics))
                .build());
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
        assertEquals(1, response.getBrokerId());
        return response;
    }

    private Log log(String topic, int partition) {
        return broker.partitions().partition(new TopicPartition(topic, partition)).orElseThrow().log();
    }

    @Test
    void everyHostedReplicaIsDescribedWithItsOffsetsSizeAndSegments() {
        createTopic("orders", 2, 1, Map.of("segment.bytes", "1024"));
        awaitReplicas("orders");
        produce("orders", 0, 40);

        DescribeLogsResponse all = describe();
        assertEquals(List.of("orders-0", "orders-1"), all.getReplicasList().stream()
                .map(r -> r.getTopic() + "-" + r.getPartition()).toList(), "sorted by topic and partition");
        ReplicaLog written = all.getReplicas(0);
        assertTrue(written.getIsLeader());
        assertEquals(0, written.getLogStartOffset());
        assertEquals(40, written.getLogEndOffset());
        assertEquals(40, written.getHighWatermark(), "acks=all: answered once the HW passed each batch");
        assertEquals(log("orders", 0).sizeInBytes(), written.getSizeBytes());
        assertTrue(written.getSegmentCount() > 1, "1 KiB segments: " + written);
        assertEquals(log("orders", 0).segmentBaseOffsets().size(), written.getSegmentCount());
        assertEquals("delete", written.getCleanupPolicy());
        assertEquals(-1, written.getFirstDirtyOffset(), "a topic that does not compact has no dirty section");
        assertFalse(written.hasDirtyRatio());
        ReplicaLog empty = all.getReplicas(1);
        assertEquals(0, empty.getLogEndOffset());
        assertEquals(0, empty.getSizeBytes());
        assertEquals(1, empty.getSegmentCount(), "the active segment");

        assertEquals(2, describe("orders", "nope").getReplicasCount());
        assertEquals(0, describe("nope").getReplicasCount(), "a topic not hosted here is left out");
    }

    @Test
    void followedReplicasAreDescribedTooAsNotLeading() {
        quorum.addActiveBroker(2);
        createTopic("shared", 4, 2, Map.of());
        awaitReplicas("shared");
        Map<Integer, Integer> leaders = new HashMap<>();
        quorum.image().topic("shared").orElseThrow().partitions().values()
                .forEach(p -> leaders.put(p.partition(), p.leader()));
        assertTrue(leaders.containsValue(2), "placement spreads the leaders: " + leaders);

        DescribeLogsResponse response = describe("shared");
        assertEquals(4, response.getReplicasCount(), "RF 2 on two brokers: broker 1 hosts every partition");
        for (ReplicaLog replica : response.getReplicasList()) {
            assertEquals(leaders.get(replica.getPartition()) == 1, replica.getIsLeader(), replica.toString());
        }
    }

    /** Needs the log's compaction ({@code Log.clean}, {@code Log.cleanableSection}). */
    @Test
    void aCompactedTopicShowsWhereTheCleanerStands() {
        createTopic("latest", 1, 1, Map.of("cleanup.policy", "compact", "segment.bytes", "1024"));
        awaitReplicas("latest");
        long producedBytes = produce("latest", 0, 100);
        ReplicaLog produced = describe("latest").getReplicas(0);
        assertEquals("compact", produced.getCleanupPolicy());
        assertTrue(produced.hasDirtyRatio(), produced.toString());
        assertTrue(produced.getDirtyRatio() >= 0 && produced.getDirtyRatio() <= 1, produced.toString());
        assertTrue(produced.getFirstDirtyOffset() >= 0, produced.toString());

        // The cleaner (every 50 ms here) compacts every closed segment; nothing is dirty afterwards.
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            ReplicaLog now = describe("latest").getReplicas(0);
            return now.getFirstDirtyOffset() > 0 && now.getDirtyRatio() == 0;
        });
        ReplicaLog cleaned = describe("latest").getReplicas(0);
        assertTrue(cleaned.getSizeBytes() < producedBytes, "the four keys' superseded records are gone: " + cleaned);
        assertEquals(100, cleaned.getLogEndOffset(), "offsets are unchanged");
        assertEquals(log("latest", 0).sizeInBytes(), cleaned.getSizeBytes());
    }
}
