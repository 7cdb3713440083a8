package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.partition.Partition;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.FetchResponse;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.InitProducerIdResponse;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.AlterTopicConfigsCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.record.CompressionType;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BrokerService data plane of one real broker against a fake controller quorum: Produce with
 * every acks value and every bad input, Fetch (long-poll, ranges), ListOffsets, NOT_LEADER
 * redirects, min.insync.replicas, and dropping the replicas of a deleted topic.
 */
class DataPlaneTest {

    @TempDir
    Path dir;

    private FakeQuorum quorum;
    private BrokerNode broker;
    private ManagedChannel channel;
    private BrokerServiceGrpc.BrokerServiceBlockingStub stub;

    @BeforeEach
    void start() throws Exception {
        quorum = FakeQuorum.start(1);
        broker = new BrokerNode(BrokerConfig.from(BrokerNodeTest.testConfig(1, quorum.bootstrap(), dir)));
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

    // ---- helpers ----

    private void createTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        var outcome = quorum.createTopic(name, partitions, replicationFactor, configs);
        assertEquals(ErrorCode.NONE, outcome.result().getItems(0).getError().getCode(), outcome.result().toString());
    }

    /** Waits until broker 1 leads every partition of {@code name} it is assigned to lead. */
    private void awaitLeaderships(String name) {
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            MetadataImage image = quorum.image();
            for (PartitionState p : image.topic(name).orElseThrow().partitions().values()) {
                if (p.leader() == 1 && broker.partitions().partition(new TopicPartition(name, p.partition()))
                        .map(hosted -> hosted.isLeader()).orElse(false) == false) {
                    return false;
                }
            }
            return true;
        });
    }

    /**
     * Record timestamps of this test's batches: recent, because the log rolls a segment when its
     * first record is older than segment.ms by the wall clock.
     */
    private static final long BASE_TIMESTAMP = System.currentTimeMillis();

    private static ByteString batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        long timestamp = BASE_TIMESTAMP;
        for (String value : values) {
            builder.append(timestamp++, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return ByteString.copyFrom(builder.build());
    }

    private static ByteString idempotentBatch(long producerId, int sequence, String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE).producer(producerId, (short) 0, sequence);
        long timestamp = BASE_TIMESTAMP;
        for (String value : values) {
            builder.append(timestamp++, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return ByteString.copyFrom(builder.build());
    }

    /**
     * A fresh producer id, once this broker's metadata holds its allocation: until then the leader
     * refuses it with UNKNOWN_PRODUCER_ID (retriable; a producer would retry).
     */
    private long initProducerId() {
        InitProducerIdResponse response = stub.initProducerId(InitProducerIdRequest.getDefaultInstance());
        assertCode(ErrorCode.NONE, response.getError());
        long producerId = response.getProducerId();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.metadataImage().nextProducerId() > producerId);
        return producerId;
    }

    private static ProducePartition part(String topic, int partition, ByteString records) {
        return ProducePartition.newBuilder().setTopic(topic).setPartition(partition).setRecords(records).build();
    }

    private ProduceResponse produce(int acks, int timeoutMs, ProducePartition... partitions) {
        return stub.produce(ProduceRequest.newBuilder().setAcks(acks).setTimeoutMs(timeoutMs)
                .addAllPartitions(List.of(partitions)).build());
    }

    private static FetchPartition fetchPart(String topic, int partition, long offset) {
        return FetchPartition.newBuilder().setTopic(topic).setPartition(partition).setFetchOffset(offset)
                .setCurrentLeaderEpoch(-1).build();
    }

    private FetchPartitionResult fetchOne(String topic, int partition, long offset) {
        return stub.fetch(FetchRequest.newBuilder().addPartitions(fetchPart(topic, partition, offset)).build())
                .getPartitions(0);
    }

    private ListOffsetsPartitionResult listOffset(String topic, int partition, long timestamp) {
        return stub.listOffsets(ListOffsetsRequest.newBuilder().addPartitions(ListOffsetsPartition.newBuilder()
                .setTopic(topic).setPartition(partition).setTimestamp(timestamp).setCurrentLeaderEpoch(-1)).build())
                .getPartitions(0);
    }

    private static List<String> values(ByteString records) {
        List<String> out = new ArrayList<>();
        for (RecordBatch batch : RecordBatches.validateAll(records.asReadOnlyByteBuffer())) {
            for (Record record : batch.records()) {
                out.add(new String(record.value(), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void assertCode(ErrorCode expected, Error error) {
        assertEquals(expected, error.getCode(), error.toString());
        if (expected != ErrorCode.NONE) {
            assertFalse(error.getMessage().isEmpty(), "an error names what to fix");
        }
    }

    // ---- tests ----

    @Test
    void producedBatchesAreFetchedBackWithLeaderAssignedOffsets() {
        createTopic("orders", 2, 1, Map.of());
        awaitLeaderships("orders");
        ProduceResponse first = produce(1, 0, part("orders", 0, batch("a", "b")), part("orders", 1, batch("x")));
        assertCode(ErrorCode.NONE, first.getPartitions(0).getError());
        assertCode(ErrorCode.NONE, first.getPartitions(1).getError());
        assertEquals(0, first.getPartitions(0).getBaseOffset());
        ProduceResponse second = produce(-1, 5000, part("orders", 0, batch("c")));
        assertCode(ErrorCode.NONE, second.getPartitions(0).getError());
        assertEquals(2, second.getPartitions(0).getBaseOffset());
        ProduceResponse none = produce(0, 0, part("orders", 0, batch("d")));
        assertEquals(-1, none.getPartitions(0).getBaseOffset(), "acks=0 reports no offset");

        // acks=0 and 1 are answered once written; the HW passes them once the fsync thread ran.
        await().atMost(Duration.ofSeconds(10)).until(() -> fetchOne("orders", 0, 0).getHighWatermark() == 4);
        FetchPartitionResult fetched = fetchOne("orders", 0, 0);
        assertCode(ErrorCode.NONE, fetched.getError());
        assertEquals(4, fetched.getHighWatermark(), "a single replica's HW is its durable end");
        assertEquals(List.of("a", "b", "c", "d"), values(fetched.getRecords()));
        FetchPartitionResult middle = fetchOne("orders", 0, 2);
        assertEquals(List.of("c", "d"), values(middle.getRecords()).subList(0, 2), "whole batches from offset 2");
        assertEquals(List.of("x"), values(fetchOne("orders", 1, 0).getRecords()));
        assertTrue(fetchOne("orders", 0, 4).getRecords().isEmpty(), "at the end: nothing yet");
    }

    @Test
    void initProducerIdHandsOutDistinctIdsFromBlocksTheControllerAllocated() {
        long first = initProducerId();
        long second = initProducerId();
        assertTrue(second != first, first + " twice");
        assertTrue(quorum.image().nextProducerId() > Math.max(first, second), "ids come from an allocated block");
        assertEquals(1, quorum.controller(1).calls("AllocateProducerIds").size(), "one block serves many producers");
    }

    @Test
    void aRetriedIdempotentBatchIsAnsweredWithItsOriginalOffsetAndWrittenOnce() {
        createTopic("once", 1, 1, Map.of());
        awaitLeaderships("once");
        long producerId = initProducerId();
        ByteString first = idempotentBatch(producerId, 0, "a", "b");
        ProducePartitionResult written = produce(-1, 5000, part("once", 0, first)).getPartitions(0);
        produce(1, 0, part("once", 0, batch("other")));

        ProducePartitionResult retried = produce(-1, 5000, part("once", 0, first)).getPartitions(0);
        ProducePartitionResult retriedWithNext = produce(-1, 5000,
                part("once", 0, first.concat(idempotentBatch(producerId, 2, "c")))).getPartitions(0);

        assertCode(ErrorCode.NONE, retried.getError());
        assertEquals(written.getBaseOffset(), retried.getBaseOffset());
        assertEquals(List.of(0L), retried.getBatchBaseOffsetsList());
        assertEquals(List.of(0L, 3L), retriedWithNext.getBatchBaseOffsetsList());
        assertEquals(List.of("a", "b", "other", "c"), values(fetchOne("once", 0, 0).getRecords()));
    }

    /**
     * An idempotent producer pipelines many requests on one stream without waiting: each must reach
     * the log in the order sent (a request appended before its predecessor would be refused as
     * out of sequence), and each answer must carry its own request's correlation id although
     * acks=1 answers overtake acks=all ones.
     */
    @Test
    void aProduceStreamAppendsPipelinedRequestsInTheOrderSentAndAnswersEachByCorrelationId() {
        createTopic("pipelined", 1, 1, Map.of());
        awaitLeaderships("pipelined");
        long producerId = initProducerId();
        int requests = 300;
        Map<Long, ProducePartitionResult> answers = new ConcurrentHashMap<>();
        CompletableFuture<Void> ended = new CompletableFuture<>();
        StreamObserver<ProduceRequest> stream = BrokerServiceGrpc.newStub(channel).produceStream(new StreamObserver<>() {
            @Override
            public void onNext(ProduceResponse response) {
                answers.put(response.getCorrelationId(), response.getPartitions(0));
            }

            @Override
            public void onError(Throwable t) {
                ended.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                ended.complete(null);
            }
        });
        for (int i = 0; i < requests; i++) {
            stream.onNext(ProduceRequest.newBuilder().setCorrelationId(1000 + i).setAcks(i % 3 == 0 ? -1 : 1)
                    .setTimeoutMs(10_000).addPartitions(part("pipelined", 0, idempotentBatch(producerId, i, "v" + i)))
                    .build());
        }
        stream.onCompleted();

        ended.join();
        assertEquals(requests, answers.size(), "one answer per request");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            ProducePartitionResult answer = answers.get(1000L + i);
            assertCode(ErrorCode.NONE, answer.getError());
            assertEquals(List.of((long) i), answer.getBatchBaseOffsetsList(), "request " + i + " was appended " + i + "th");
            expected.add("v" + i);
        }
        List<String> read = new ArrayList<>();
        while (read.size() < requests) {
            read.addAll(values(fetchOne("pipelined", 0, read.size()).getRecords()));
        }
        assertEquals(expected, read);
    }

    @Test
    void aSequenceGapOrAnUnknownProducerIdIsRefusedAndNothingIsAppended() {
        createTopic("strict-seq", 1, 1, Map.of());
        awaitLeaderships("strict-seq");
        long producerId = initProducerId();
        assertCode(ErrorCode.NONE, produce(-1, 5000, part("strict-seq", 0, idempotentBatch(producerId, 0, "a")))
                .getPartitions(0).getError());

        ProducePartitionResult gap = produce(-1, 5000, part("strict-seq", 0, idempotentBatch(producerId, 5, "gap")))
                .getPartitions(0);
        ProducePartitionResult unknown = produce(-1, 5000,
                part("strict-seq", 0, idempotentBatch(quorum.image().nextProducerId() + 7, 0, "who")))
                .getPartitions(0);

        assertCode(ErrorCode.OUT_OF_ORDER_SEQUENCE, gap.getError());
        assertCode(ErrorCode.UNKNOWN_PRODUCER_ID, unknown.getError());
        assertEquals(List.of("a"), values(fetchOne("strict-seq", 0, 0).getRecords()), "nothing else was appended");
        assertCode(ErrorCode.NONE, produce(-1, 5000, part("strict-seq", 0, idempotentBatch(producerId, 1, "b")))
                .getPartitions(0).getError());
    }

    @Test
    void listOffsetsAnswersEarliestLatestAndByTimestamp() {
        createTopic("events", 1, 1, Map.of());
        awaitLeaderships("events");
        // acks=all: answered once the HW, which the latest offset reports, passed the records.
        produce(-1, 5000, part("events", 0, batch("t0", "t1", "t2")));
        assertEquals(0, listOffset("events", 0, -2).getOffset());
        assertEquals(3, listOffset("events", 0, -1).getOffset());
        ListOffsetsPartitionResult byTime = listOffset("events", 0, BASE_TIMESTAMP + 1);
        assertCode(ErrorCode.NONE, byTime.getError());
        assertEquals(1, byTime.getOffset());
        assertEquals(BASE_TIMESTAMP + 1, byTime.getTimestamp());
        assertEquals(-1, listOffset("events", 0, BASE_TIMESTAMP + 5000).getOffset(), "no record that new");
        assertCode(ErrorCode.UNKNOWN_TOPIC, listOffset("nope", 0, -1).getError());
    }

    @Test
    void badProduceInputGetsStableCodesAndAppendsNothingWhileOtherPartitionsSucceed() {
        createTopic("strict", 2, 1, Map.of("max.message.bytes", "200"));
        awaitLeaderships("strict");
        ByteBuffer corrupt = ByteBuffer.wrap(batch("hello", "world").toByteArray());
        corrupt.put(corrupt.limit() - 2, (byte) (corrupt.get(corrupt.limit() - 2) ^ 0x5a));
        ProduceResponse response = produce(1, 0,
                part("strict", 0, ByteString.copyFrom(corrupt.array())),
                part("strict", 0, batch("x".repeat(300))),
                part("strict", 7, batch("p")),
                part("ghost", 0, batch("g")),
                part("strict", 0, ByteString.copyFromUtf8("not a batch at all, far too short")),
                part("strict", 1, batch("ok")));
        assertCode(ErrorCode.CORRUPT_RECORD, response.getPartitions(0).getError());
        assertCode(ErrorCode.RECORD_TOO_LARGE, response.getPartitions(1).getError());
        assertCode(ErrorCode.UNKNOWN_PARTITION, response.getPartitions(2).getError());
        assertCode(ErrorCode.UNKNOWN_TOPIC, response.getPartitions(3).getError());
        assertCode(ErrorCode.CORRUPT_RECORD, response.getPartitions(4).getError());
        assertCode(ErrorCode.NONE, response.getPartitions(5).getError());
        assertEquals(0, listOffset("strict", 0, -1).getOffset(), "nothing was appended to partition 0");
        assertEquals(0, broker.partitions().partition(new TopicPartition("strict", 0)).orElseThrow().log().logEndOffset());

        // acks=1 answers at the leader's append; the high watermark follows it a moment later.
        await().atMost(Duration.ofSeconds(10)).until(() -> listOffset("strict", 1, -1).getOffset() == 1);
        ProduceResponse badAcks = produce(2, 0, part("strict", 1, batch("never")));
        assertCode(ErrorCode.INVALID_REQUIRED_ACKS, badAcks.getPartitions(0).getError());
        assertEquals(1, broker.partitions().partition(new TopicPartition("strict", 1)).orElseThrow().log().logEndOffset(),
                "only the good batch is there");
        assertCode(ErrorCode.NONE, produce(1, 0, part("strict", 1, batch("still serving"))).getPartitions(0).getError());
    }

    @Test
    void fetchOutsideTheLogAnswersOffsetOutOfRangeWithTheValidRange() {
        createTopic("ranges", 1, 1, Map.of());
        awaitLeaderships("ranges");
        produce(-1, 5000, part("ranges", 0, batch("a", "b")));  // answered once the HW passed it
        FetchPartitionResult past = fetchOne("ranges", 0, 10);
        assertCode(ErrorCode.OFFSET_OUT_OF_RANGE, past.getError());
        assertTrue(past.getError().getMessage().contains("0 (log start) to 2"), past.getError().getMessage());
        assertCode(ErrorCode.OFFSET_OUT_OF_RANGE, fetchOne("ranges", 0, -1).getError());
        assertCode(ErrorCode.UNKNOWN_PARTITION, fetchOne("ranges", 3, 0).getError());
        assertCode(ErrorCode.NONE, fetchOne("ranges", 0, 0).getError());
    }

    @Test
    void aLongPollFetchIsAnsweredWhenRecordsArrive() throws Exception {
        createTopic("poll", 1, 1, Map.of());
        awaitLeaderships("poll");
        BrokerServiceGrpc.BrokerServiceFutureStub async = BrokerServiceGrpc.newFutureStub(channel);
        var waiting = async.fetch(FetchRequest.newBuilder().setMaxWaitMs(20_000).setMinBytes(1)
                .addPartitions(fetchPart("poll", 0, 0)).build());
        await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> !waiting.isDone());
        produce(1, 0, part("poll", 0, batch("wake up")));
        FetchResponse answer = waiting.get(5, TimeUnit.SECONDS);
        assertEquals(List.of("wake up"), values(answer.getPartitions(0).getRecords()));

        long started = System.nanoTime();
        FetchResponse empty = stub.fetch(FetchRequest.newBuilder().setMaxWaitMs(300).setMinBytes(1)
                .addPartitions(fetchPart("poll", 0, 1)).build());
        assertTrue(System.nanoTime() - started >= TimeUnit.MILLISECONDS.toNanos(290), "waited out max_wait_ms");
        assertTrue(empty.getPartitions(0).getRecords().isEmpty());
        assertCode(ErrorCode.NONE, empty.getPartitions(0).getError());
    }

    @Test
    void aPartitionLedElsewhereAnswersNotLeaderWithTheLeadersEndpoint() {
        quorum.addActiveBroker(2);
        createTopic("shared", 6, 1, Map.of());
        MetadataImage image = quorum.image();
        PartitionState elsewhere = image.topic("shared").orElseThrow().partitions().values().stream()
                .filter(p -> p.leader() == 2).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.metadataImage().topic("shared").isPresent());
        ProducePartitionResult result = produce(1, 0, part("shared", elsewhere.partition(), batch("r")))
                .getPartitions(0);
        assertCode(ErrorCode.NOT_LEADER, result.getError());
        assertEquals(2, result.getError().getLeaderId());
        BrokerRegistration two = image.broker(2).orElseThrow();
        assertEquals(two.endpoint(), result.getError().getLeaderEndpoint());
        FetchPartitionResult fetch = fetchOne("shared", elsewhere.partition(), 0);
        assertCode(ErrorCode.NOT_LEADER, fetch.getError());
        assertEquals(2, fetch.getError().getLeaderId());
    }

    @Test
    void acksAllNeedsTheMinimumIsrAndWaitsForIt() {
        quorum.addActiveBroker(2);
        createTopic("safe", 4, 2, Map.of("min.insync.replicas", "2"));
        awaitLeaderships("safe");
        MetadataImage image = quorum.image();
        PartitionState led = image.topic("safe").orElseThrow().partitions().values().stream()
                .filter(p -> p.leader() == 1).findFirst().orElseThrow();
        int p = led.partition();
        // Broker 2 exists only in metadata and never fetches: the HW cannot pass the write in time.
        ProducePartitionResult timedOut = produce(-1, 300, part("safe", p, batch("w"))).getPartitions(0);
        assertCode(ErrorCode.REQUEST_TIMED_OUT, timedOut.getError());
        assertCode(ErrorCode.NONE, produce(1, 0, part("safe", p, batch("acks=1 is not held back")))
                .getPartitions(0).getError());

        long epoch = broker.brokerEpoch();
        var shrink = quorum.submit(ControllerCommand.newBuilder().setAlterPartition(AlterPartitionCommand.newBuilder()
                .setBrokerId(1).setBrokerEpoch(epoch).setTopic("safe").setPartition(p)
                .setLeaderEpoch(led.leaderEpoch()).setPartitionEpoch(led.partitionEpoch()).addNewIsr(1)).build());
        assertCode(ErrorCode.NONE, shrink.result().getItems(0).getError());
        await().atMost(Duration.ofSeconds(10)).until(() -> broker.partitions().partition(new TopicPartition("safe", p))
                .orElseThrow().state().isr().equals(List.of(1)));
        long endBefore = broker.partitions().partition(new TopicPartition("safe", p)).orElseThrow().log().logEndOffset();
        ProducePartitionResult refused = produce(-1, 300, part("safe", p, batch("w2"))).getPartitions(0);
        assertCode(ErrorCode.NOT_ENOUGH_REPLICAS, refused.getError());
        assertEquals(endBefore, broker.partitions().partition(new TopicPartition("safe", p)).orElseThrow().log()
                .logEndOffset(), "nothing appended");
    }

    @Test
    void theLeaderServesReplicaFetchWithDivergenceStaleEpochsAndHighWatermarkProgress() throws Exception {
        long followerEpoch = quorum.addActiveBroker(2);
        createTopic("mirrored", 4, 2, Map.of("min.insync.replicas", "2"));
        awaitLeaderships("mirrored");
        PartitionState led = quorum.image().topic("mirrored").orElseThrow().partitions().values().stream()
                .filter(p -> p.leader() == 1).findFirst().orElseThrow();
        int p = led.partition();
        var replication = new io.wharf.broker.replica.ReplicaFetchStreamClient(channel);
        java.util.function.BiFunction<Long, Integer, io.wharf.proto.replication.ReplicaFetchRequest> fetchAt =
                (offset, lastEpoch) -> io.wharf.proto.replication.ReplicaFetchRequest.newBuilder().setReplicaId(2)
                        .setBrokerEpoch(followerEpoch).setMaxWaitMs(0)
                        .addPartitions(io.wharf.proto.replication.ReplicaFetchPartition.newBuilder()
                                .setTopic("mirrored").setPartition(p).setFetchOffset(offset).setDurableEndOffset(offset)
                                .setCurrentLeaderEpoch(led.leaderEpoch()).setLastFetchedEpoch(lastEpoch)).build();

        // acks=all waits until the follower reports the write durable.
        var async = BrokerServiceGrpc.newFutureStub(channel).produce(ProduceRequest.newBuilder().setAcks(-1)
                .setTimeoutMs(20_000).addPartitions(part("mirrored", p, batch("a", "b", "c"))).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> broker.partitions()
                .partition(new TopicPartition("mirrored", p)).orElseThrow().log().logEndOffset() == 3);
        var copied = replication.fetch(fetchAt.apply(0L, -1)).getPartitions(0);
        assertCode(ErrorCode.NONE, copied.getError());
        assertEquals(List.of("a", "b", "c"), values(copied.getRecords()));
        assertEquals(0, copied.getHighWatermark(), "the follower has not reported anything yet");
        assertFalse(async.isDone());
        var caughtUp = replication.fetch(fetchAt.apply(3L, led.leaderEpoch())).getPartitions(0);
        assertEquals(3, caughtUp.getHighWatermark());
        assertCode(ErrorCode.NONE, async.get(5, TimeUnit.SECONDS).getPartitions(0).getError());

        // A follower claiming more of the epoch than the leader wrote must truncate to its end.
        var diverged = replication.fetch(fetchAt.apply(7L, led.leaderEpoch())).getPartitions(0);
        assertTrue(diverged.hasDivergingEpoch());
        assertEquals(led.leaderEpoch(), diverged.getDivergingEpoch().getEpoch());
        assertEquals(3, diverged.getDivergingEpoch().getEndOffset());
        assertTrue(diverged.getRecords().isEmpty());

        var stale = replication.fetch(fetchAt.apply(3L, led.leaderEpoch()).toBuilder()
                .setBrokerEpoch(followerEpoch - 1).build()).getPartitions(0);
        assertCode(ErrorCode.STALE_BROKER_EPOCH, stale.getError());
        var fenced = replication.fetch(fetchAt.apply(3L, led.leaderEpoch()).toBuilder().setPartitions(0,
                fetchAt.apply(3L, led.leaderEpoch()).getPartitions(0).toBuilder()
                        .setCurrentLeaderEpoch(led.leaderEpoch() + 1)).build()).getPartitions(0);
        assertCode(ErrorCode.UNKNOWN_LEADER_EPOCH, fenced.getError());

        // One request at a time on a stream: a second one while the first waits ends the stream.
        replication.send(fetchAt.apply(3L, led.leaderEpoch()).toBuilder().setMaxWaitMs(10_000).build());
        replication.send(fetchAt.apply(3L, led.leaderEpoch()));
        Object ended = replication.next();
        assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, io.grpc.Status.fromThrowable((Throwable) ended).getCode(),
                "the stream ends with INVALID_ARGUMENT: " + ended);
    }

    @Test
    void deletingATopicDropsItsReplicasAndTheirFiles() {
        createTopic("doomed", 2, 1, Map.of());
        awaitLeaderships("doomed");
        produce(1, 0, part("doomed", 0, batch("bye")));
        Path partitionDir = broker.config().dataDir().resolve("doomed-0");
        assertTrue(Files.isDirectory(partitionDir));
        quorum.submit(ControllerCommand.newBuilder().setDeleteTopics(DeleteTopicsCommand.newBuilder()
                .addNames("doomed")).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(partitionDir)
                && broker.partitions().partition(new TopicPartition("doomed", 0)).isEmpty());
        assertCode(ErrorCode.UNKNOWN_TOPIC, produce(1, 0, part("doomed", 0, batch("late"))).getPartitions(0).getError());

        createTopic("doomed", 1, 1, Map.of());
        awaitLeaderships("doomed");
        FetchPartitionResult fresh = fetchOne("doomed", 0, 0);
        assertCode(ErrorCode.NONE, fresh.getError());
        assertTrue(fresh.getRecords().isEmpty(), "a re-created topic starts empty");
    }

    @Test
    void logsSurviveARestartOfTheBroker() throws Exception {
        createTopic("durable", 1, 1, Map.of());
        awaitLeaderships("durable");
        produce(-1, 5000, part("durable", 0, batch("kept")));
        broker.close();
        Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(1, quorum.bootstrap(), dir));
        broker = new BrokerNode(BrokerConfig.from(config));
        broker.start();
        await().atMost(Duration.ofSeconds(10)).until(broker::isActive);
        channel.shutdownNow();
        channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.rpcPort()).usePlaintext().build();
        stub = BrokerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        awaitLeaderships("durable");
        assertEquals(List.of("kept"), values(fetchOne("durable", 0, 0).getRecords()));
    }

    @Test
    void alteredTopicConfigsApplyToTheLiveReplicas() {
        createTopic("tunable", 1, 1, Map.of());
        awaitLeaderships("tunable");
        assertCode(ErrorCode.NONE, produce(1, 0, part("tunable", 0, batch("x".repeat(300)))).getPartitions(0).getError());

        var outcome = quorum.submit(ControllerCommand.newBuilder().setAlterTopicConfigs(AlterTopicConfigsCommand
                .newBuilder().setTopic("tunable").putSet("max.message.bytes", "200").putSet("segment.bytes", "100000"))
                .build());
        assertEquals(ErrorCode.NONE, outcome.result().getItems(0).getError().getCode(), outcome.result().toString());
        Partition replica = broker.partitions().partition(new TopicPartition("tunable", 0)).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> replica.log().config().segmentBytes() == 100_000);
        assertCode(ErrorCode.RECORD_TOO_LARGE, produce(1, 0, part("tunable", 0, batch("x".repeat(300))))
                .getPartitions(0).getError());
        assertCode(ErrorCode.NONE, produce(1, 0, part("tunable", 0, batch("small"))).getPartitions(0).getError());
    }

    @Test
    void aTopicAlteredToCompactRefusesRecordsWithoutAKeyWithInvalidRecord() {
        createTopic("table", 1, 1, Map.of());
        awaitLeaderships("table");
        assertCode(ErrorCode.NONE, produce(1, 0, part("table", 0, batch("keyless is fine here"))).getPartitions(0)
                .getError());

        var outcome = quorum.submit(ControllerCommand.newBuilder().setAlterTopicConfigs(AlterTopicConfigsCommand
                .newBuilder().setTopic("table").putSet("cleanup.policy", "compact")).build());
        assertEquals(ErrorCode.NONE, outcome.result().getItems(0).getError().getCode(), outcome.result().toString());
        Partition replica = broker.partitions().partition(new TopicPartition("table", 0)).orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> replica.log().config().cleanupPolicy().compacts());

        ProducePartitionResult refused = produce(1, 0, part("table", 0, batch("no key"))).getPartitions(0);
        assertCode(ErrorCode.INVALID_RECORD, refused.getError());
        assertTrue(refused.getError().getMessage().contains("key"), refused.getError().getMessage());
        assertEquals(1, replica.log().logEndOffset(), "nothing appended");
        RecordBatchBuilder keyed = new RecordBatchBuilder(CompressionType.NONE)
                .append(BASE_TIMESTAMP, "k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        assertCode(ErrorCode.NONE, produce(1, 0, part("table", 0, ByteString.copyFrom(keyed.build())))
                .getPartitions(0).getError());
    }
}
