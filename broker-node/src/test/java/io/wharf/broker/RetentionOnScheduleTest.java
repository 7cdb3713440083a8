package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.wharf.broker.partition.Partition;
import io.wharf.controller.ControllerConfig;
import io.wharf.controller.ControllerNode;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import io.wharf.replication.log.Log;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
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
 * Three brokers under three in-process {@link ControllerNode}s enforce retention on a short
 * schedule: an RF-3 topic with small segments and {@code retention.bytes}, and one with
 * {@code retention.ms} whose first records carry timestamps two days old, shrink on the leader
 * and on both followers (which adopt the leader's log start); a consumer asking for the earliest
 * offset gets the new log start, reads below it are OFFSET_OUT_OF_RANGE, and every acknowledged
 * record at or above the log start is still there, identical on every replica. A log start the
 * leader moves into the middle of a segment reaches the followers through their fetches.
 */
class RetentionOnScheduleTest {

    private static final String SIZED = "sized";
    private static final String AGED = "aged";
    private static final long TWO_DAYS_MS = 2L * 24 * 60 * 60 * 1000;

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
    void topicsShrinkOnScheduleOnTheLeaderAndTheFollowersWithoutLosingRecordsAboveTheLogStart() throws Exception {
        startCluster();
        cluster.createTopic(SIZED, Map.of("segment.bytes", "1024", "retention.bytes", "3072"));
        cluster.createTopic(AGED, Map.of("segment.bytes", "1024", "retention.ms", "3600000"));

        List<String> sized = produce(SIZED, "s", 80, System.currentTimeMillis());
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderLog(SIZED).logStartOffset() > 0);
        awaitReplicasAgreeFromTheLeadersLogStart(SIZED);
        Log sizedLog = leaderLog(SIZED);
        assertTrue(sizedLog.sizeInBytes() >= 3072, "retention.bytes is kept: " + sizedLog);
        assertTrue(sizedLog.sizeInBytes() < 3072 + 1024, "at most one segment more than retention.bytes: " + sizedLog);
        assertConsumerSeesEverythingFromTheLogStart(SIZED, sized);

        // Retention keeps running: more records move the log start again.
        long startBefore = sizedLog.logStartOffset();
        sized.addAll(produce(SIZED, "more", 40, System.currentTimeMillis()));
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderLog(SIZED).logStartOffset() > startBefore);
        awaitReplicasAgreeFromTheLeadersLogStart(SIZED);
        assertConsumerSeesEverythingFromTheLogStart(SIZED, sized);

        List<String> aged = produce(AGED, "old", 40, System.currentTimeMillis() - TWO_DAYS_MS);
        aged.addAll(produce(AGED, "new", 15, System.currentTimeMillis()));
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderLog(AGED).logStartOffset() > 0);
        awaitReplicasAgreeFromTheLeadersLogStart(AGED);
        assertTrue(leaderLog(AGED).logStartOffset() <= 40, "every record newer than retention.ms stays: "
                + leaderLog(AGED));
        assertConsumerSeesEverythingFromTheLogStart(AGED, aged);

        // A log start inside a segment (as DeleteRecords sets it) is not one the followers' own
        // retention would reach: they get it from the leader's fetch answers.
        long inside = leaderLog(AGED).logStartOffset() + 3;
        leaderLog(AGED).deleteRecordsBefore(inside);
        awaitReplicasAgreeFromTheLeadersLogStart(AGED);
        assertEquals(inside, leaderLog(AGED).logStartOffset());
        assertConsumerSeesEverythingFromTheLogStart(AGED, aged);
    }

    private void startCluster() throws Exception {
        // A loaded 2-core machine can stall heartbeats; a fenced leader would only slow this test down.
        cluster.startControllers(Map.of(ControllerConfig.BROKER_SESSION_TIMEOUT_MS, "6000"));
        // The aged records are two days old, and a producer's state expires by its batches'
        // timestamps (as Kafka's): with the default day the producer writing them would be
        // forgotten between two of its requests by a retention run.
        for (int id = 1; id <= 3; id++) {
            cluster.startBroker(id, Map.of(BrokerConfig.REPLICA_FETCH_MAX_WAIT_MS, "100",
                    BrokerConfig.LOG_RETENTION_CHECK_INTERVAL_MS, "100",
                    BrokerConfig.PRODUCER_ID_EXPIRATION_MS, String.valueOf(7 * 24 * 3_600_000L)));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().values().stream()
                .allMatch(BrokerNode::isActive));
    }

    private Optional<Partition> replica(int brokerId, String topic) {
        return cluster.replica(brokerId, new TopicPartition(topic, 0));
    }

    private int awaitLeader(String topic) {
        return cluster.awaitLeader(new TopicPartition(topic, 0));
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub stub(int brokerId) {
        return cluster.stub(brokerId);
    }

    /**
     * Produces {@code count} single-record batches of about 100 bytes with acks=all, ten batches
     * per request, as one idempotent producer that resends a request until it is acknowledged
     * (whoever leads by then writes it once); returns the values, which then sit at consecutive
     * offsets.
     */
    private List<String> produce(String topic, String prefix, int count, long timestamp) {
        long producerId = stub(awaitLeader(topic)).initProducerId(InitProducerIdRequest.getDefaultInstance())
                .getProducerId();
        List<String> acked = new ArrayList<>();
        for (int first = 0; first < count; first += 10) {
            ByteString records = ByteString.EMPTY;
            List<String> values = new ArrayList<>();
            for (int i = first; i < Math.min(count, first + 10); i++) {
                String value = prefix + "-" + i + "-" + "x".repeat(24);
                records = records.concat(ByteString.copyFrom(new RecordBatchBuilder(CompressionType.NONE)
                        .producer(producerId, (short) 0, i)
                        .append(timestamp, null, value.getBytes(StandardCharsets.UTF_8)).build()));
                values.add(value);
            }
            ProduceRequest request = ProduceRequest.newBuilder().setAcks(-1).setTimeoutMs(10_000)
                    .addPartitions(ProducePartition.newBuilder().setTopic(topic).setPartition(0).setRecords(records))
                    .build();
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                ProducePartitionResult result = stub(awaitLeader(topic)).produce(request).getPartitions(0);
                assertTrue(result.getError().getCode() == ErrorCode.NONE
                        || result.getError().getCode() == ErrorCode.NOT_LEADER
                        || result.getError().getCode() == ErrorCode.NOT_ENOUGH_REPLICAS
                        || result.getError().getCode() == ErrorCode.REQUEST_TIMED_OUT, result.toString());
                return result.getError().getCode() == ErrorCode.NONE;
            });
            acked.addAll(values);
        }
        return acked;
    }

    private Log leaderLog(String topic) {
        return replica(awaitLeader(topic), topic).orElseThrow().log();
    }

    /**
     * Every replica reaches the leader's log start, end and HW, holds the same segments (its own
     * below the log start deleted) and the same bytes from the log start to the HW.
     */
    private void awaitReplicasAgreeFromTheLeadersLogStart(String topic) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            Partition lead = replica(awaitLeader(topic), topic).orElseThrow();
            return cluster.brokers().keySet().stream().allMatch(id -> replica(id, topic)
                    .map(p -> p.log().logStartOffset() == lead.log().logStartOffset()
                            && p.log().logEndOffset() == lead.log().logEndOffset()
                            && p.highWatermark() == lead.highWatermark())
                    .orElse(false));
        });
        Partition lead = replica(awaitLeader(topic), topic).orElseThrow();
        byte[] expected = bytesBelowHighWatermark(lead);
        for (int id : cluster.brokers().keySet()) {
            Partition replica = replica(id, topic).orElseThrow();
            assertEquals(lead.log().segmentBaseOffsets(), replica.log().segmentBaseOffsets(),
                    "broker " + id + " deleted its own segments below the log start");
            assertArrayEquals(expected, bytesBelowHighWatermark(replica), "broker " + id + " of " + topic);
        }
    }

    private static byte[] bytesBelowHighWatermark(Partition partition) {
        Log log = partition.log();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = log.logStartOffset();
        long hw = partition.highWatermark();
        while (offset < hw) {
            ByteBuffer copy = log.readCopy(offset, 1 << 20, hw);
            if (!copy.hasRemaining()) {
                break;
            }
            List<RecordBatch> batches = RecordBatches.validateAll(copy.duplicate());
            out.writeBytes(copy.array());
            offset = batches.get(batches.size() - 1).nextOffset();
        }
        return out.toByteArray();
    }

    /**
     * ListOffsets EARLIEST names the leader's log start; a fetch below it is OFFSET_OUT_OF_RANGE;
     * fetching from it returns every acknowledged record from there on, in order (one record per batch,
     * so offset i holds acked value i).
     */
    private void assertConsumerSeesEverythingFromTheLogStart(String topic, List<String> acked) {
        int leader = awaitLeader(topic);
        BrokerServiceGrpc.BrokerServiceBlockingStub stub = stub(leader);
        ListOffsetsPartitionResult earliest = stub.listOffsets(ListOffsetsRequest.newBuilder().addPartitions(
                ListOffsetsPartition.newBuilder().setTopic(topic).setPartition(0).setTimestamp(-2)
                        .setCurrentLeaderEpoch(-1)).build()).getPartitions(0);
        assertEquals(ErrorCode.NONE, earliest.getError().getCode(), earliest.getError().toString());
        long start = replica(leader, topic).orElseThrow().log().logStartOffset();
        assertEquals(start, earliest.getOffset());
        assertTrue(start > 0, "retention moved the log start of " + topic);

        FetchPartitionResult below = fetch(stub, topic, start - 1);
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, below.getError().getCode(), below.toString());
        assertTrue(below.getError().getMessage().contains("deleted by retention"), below.getError().getMessage());

        List<String> read = new ArrayList<>();
        long offset = start;
        while (true) {
            FetchPartitionResult result = fetch(stub, topic, offset);
            assertEquals(ErrorCode.NONE, result.getError().getCode(), result.getError().toString());
            if (result.getRecords().isEmpty()) {
                break;
            }
            for (RecordBatch batch : RecordBatches.validateAll(result.getRecords().asReadOnlyByteBuffer())) {
                for (Record record : batch.records()) {
                    if (record.offset() >= offset) {
                        read.add(new String(record.value(), StandardCharsets.UTF_8));
                    }
                }
                offset = batch.nextOffset();
            }
        }
        assertEquals(acked.subList((int) start, acked.size()), read,
                "every acknowledged record at or above the log start " + start + " of " + topic);
    }

    private static FetchPartitionResult fetch(BrokerServiceGrpc.BrokerServiceBlockingStub stub, String topic,
                                              long offset) {
        return stub.fetch(FetchRequest.newBuilder().addPartitions(FetchPartition.newBuilder().setTopic(topic)
                .setPartition(0).setFetchOffset(offset).setCurrentLeaderEpoch(-1)).build()).getPartitions(0);
    }
}
