package io.wharf.client.producer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.Header;
import io.wharf.record.Record;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProducerTest {

    private FakeCluster cluster;
    private final List<Producer> producers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        producers.forEach(p -> p.close(Duration.ofSeconds(1)));
        if (cluster != null) {
            cluster.close();
        }
    }

    private Producer producer(UnaryOperator<ProducerConfig.Builder> settings) {
        ProducerConfig config = settings.apply(ProducerConfig.builder(cluster.bootstrap())
                .retryBackoff(Duration.ofMillis(10)).maxBlock(Duration.ofSeconds(2))).build();
        Producer producer = new Producer(config, cluster.channels());
        producers.add(producer);
        return producer;
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> values(List<Record> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void keyedRecordsLandOnKafkasPartitionInOrderWithConsecutiveOffsets() throws Exception {
        cluster = FakeCluster.inProcess(3);
        cluster.createTopic("orders", 3);
        Producer producer = producer(b -> b);
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(producer.send(new ProducerRecord("orders", utf8("foobar"), utf8("v" + i))));
        }
        for (int i = 0; i < 50; i++) {
            RecordMetadata metadata = futures.get(i).get();
            assertEquals(new RecordMetadata("orders", 0, i, metadata.timestamp()), metadata);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            expected.add("v" + i);
        }
        assertEquals(expected, values(cluster.records(new TopicPartition("orders", 0))));
    }

    @Test
    void nullKeysBatchOnOnePartitionAndCallbacksSeeTheOffsets() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 4);
        Producer producer = producer(b -> b.linger(Duration.ofSeconds(30)).batchSize(1 << 20));
        List<RecordMetadata> seen = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 20; i++) {
            producer.send(new ProducerRecord("t", null, utf8("x" + i)), (m, e) -> seen.add(m));
        }
        producer.flush();
        assertEquals(20, seen.size(), "flush waits for every record despite linger.ms");
        assertEquals(1, seen.stream().map(RecordMetadata::partition).distinct().count(), "sticky: " + seen);
        assertEquals(List.of(1), cluster.produceRequestPartitionCounts(), "one request, one batch");
        for (int i = 0; i < 20; i++) {
            assertEquals(i, seen.get(i).offset());
        }
    }

    @Test
    void smallBatchSizeSplitsBatchesAndHeadersSurvive() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        Producer producer = producer(b -> b.batchSize(200));
        CompletableFuture<RecordMetadata> last = null;
        for (int i = 0; i < 30; i++) {
            last = producer.send(new ProducerRecord("t", 0, 1234L + i, utf8("k"), utf8("value-" + i),
                    List.of(new Header("h", utf8("hv")))));
        }
        assertEquals(29, last.get().offset());
        List<Record> records = cluster.records(new TopicPartition("t", 0));
        assertEquals(30, records.size());
        assertEquals(List.of(new Header("h", utf8("hv"))), records.get(7).headers());
        assertEquals(1241L, records.get(7).timestamp());
    }

    @ParameterizedTest
    @EnumSource(CompressionType.class)
    void everyCompressionTypeRoundTrips(CompressionType compression) throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        Producer producer = producer(b -> b.compression(compression));
        for (int i = 0; i < 10; i++) {
            producer.send(new ProducerRecord("t", 0, null, null, utf8("same text again " + i), List.of()));
        }
        producer.flush();
        assertEquals(10, cluster.records(new TopicPartition("t", 0)).size());
        assertEquals("same text again 9", values(cluster.records(new TopicPartition("t", 0))).get(9));
    }

    @Test
    void notLeaderReroutesToTheNamedLeaderWithoutStaleMetadataHelping() throws Exception {
        cluster = FakeCluster.inProcess(3);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.moveLeader(tp, 3, false);
        Producer producer = producer(b -> b);
        RecordMetadata metadata = producer.send(new ProducerRecord("t", 0, null, null, utf8("a"), List.of())).get();
        assertEquals(0, metadata.offset());
        assertEquals(List.of("a"), values(cluster.records(tp)));
    }

    @Test
    void aLeaderThatDiesIsReplacedTransparently() throws Exception {
        cluster = FakeCluster.inProcess(2);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        Producer producer = producer(b -> b);
        assertEquals(0, producer.send(new ProducerRecord("t", null, utf8("before"))).get().offset());
        cluster.stopBroker(1);
        CompletableFuture<RecordMetadata> during = producer.send(new ProducerRecord("t", null, utf8("during")));
        cluster.moveLeader(tp, 2, true);
        assertEquals(1, during.get().offset());
        assertEquals(List.of("before", "during"), values(cluster.records(tp)), "exactly once, in order");
    }

    @Test
    void aBatchWhoseAnswerWasLostIsWrittenOnceAndAcknowledgedAtItsFirstOffset() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.loseNextProduceResponses(2);
        Producer producer = producer(b -> b.batchSize(120).linger(Duration.ZERO));
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            futures.add(producer.send(new ProducerRecord("t", 0, null, null, utf8("r" + i), List.of())));
            expected.add("r" + i);
        }
        for (int i = 0; i < 30; i++) {
            assertEquals(i, futures.get(i).get().offset(), "record " + i);
        }
        assertEquals(expected, values(cluster.records(tp)), "every acknowledged record once, no gaps");
        long producerId = cluster.batches(tp).get(0).producerId();
        int nextSequence = 0;
        for (io.wharf.record.RecordBatch batch : cluster.batches(tp)) {
            assertEquals(producerId, batch.producerId());
            assertEquals(nextSequence, batch.baseSequence(), "sequences continue without gaps");
            nextSequence = batch.lastSequence() + 1;
        }
    }

    @Test
    void withoutIdempotenceALostAnswerMayWriteTheBatchTwice() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.loseNextProduceResponses(1);
        Producer producer = producer(b -> b.idempotence(false));
        assertEquals(1, producer.send(new ProducerRecord("t", null, utf8("a"))).get().offset());
        assertEquals(List.of("a", "a"), values(cluster.records(tp)), "at-least-once");
        assertEquals(-1, cluster.batches(tp).get(0).producerId());
        assertEquals(0, cluster.initProducerIdCalls());
    }

    @Test
    void anOutOfOrderAnswerFailsTheBatchAndTheProducerGoesOnUnderANewId() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.failNextProduces(tp, ErrorCode.OUT_OF_ORDER_SEQUENCE);
        Producer producer = producer(b -> b);
        ClientException refused = assertInstanceOf(ClientException.class, org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> producer.send(new ProducerRecord("t", null, utf8("lost"))).get())
                .getCause());
        assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, refused.code());

        assertEquals(0, producer.send(new ProducerRecord("t", null, utf8("next"))).get().offset());
        assertEquals(List.of("next"), values(cluster.records(tp)));
        assertEquals(2, cluster.initProducerIdCalls(), "a fresh producer id after the gap");
        assertEquals(0, cluster.batches(tp).get(0).baseSequence());
    }

    @Test
    void retriableErrorsAreRetriedWithoutReorderingThePartition() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.failNextProduces(tp, ErrorCode.NOT_ENOUGH_REPLICAS, ErrorCode.REQUEST_TIMED_OUT,
                ErrorCode.NOT_ENOUGH_REPLICAS);
        cluster.failNextProduceTransports(Status.UNAVAILABLE.withDescription("broker died"));
        Producer producer = producer(b -> b.batchSize(100).linger(Duration.ZERO));
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            futures.add(producer.send(new ProducerRecord("t", 0, null, null, utf8("r" + i), List.of())));
            expected.add("r" + i);
        }
        for (int i = 0; i < 40; i++) {
            assertEquals(i, futures.get(i).get().offset());
        }
        assertEquals(expected, values(cluster.records(tp)));
    }

    @Test
    void aLeaderThatHasNotYetAppliedTheTopicIsRetriedNotFailed() throws Exception {
        // The controllers acknowledge a creation before every broker has applied it: a leader the
        // client found in fresher metadata may still answer UNKNOWN_TOPIC for a moment.
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.failNextProduces(tp, ErrorCode.UNKNOWN_TOPIC, ErrorCode.UNKNOWN_PARTITION);
        Producer producer = producer(b -> b.retryBackoff(Duration.ofMillis(5)));
        assertEquals(0, producer.send(new ProducerRecord("t", null, utf8("early"))).get(10, TimeUnit.SECONDS).offset());
        assertEquals(List.of("early"), values(cluster.records(tp)));
    }

    @Test
    void fatalErrorsFailTheRecordsWithTheirCode() {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        cluster.failNextProduces(new TopicPartition("t", 0), ErrorCode.CORRUPT_RECORD);
        Producer producer = producer(b -> b);
        List<Exception> callbackErrors = new CopyOnWriteArrayList<>();
        CompletableFuture<RecordMetadata> future = producer.send(
                new ProducerRecord("t", 0, null, null, utf8("a"), List.of()), (m, e) -> callbackErrors.add(e));
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, future::get);
        ClientException cause = assertInstanceOf(ClientException.class, failure.getCause());
        assertEquals(ErrorCode.CORRUPT_RECORD, cause.code());
        assertTrue(cause.getMessage().contains("t-0"), cause.getMessage());
        assertEquals(1, callbackErrors.size());
        assertTrue(cluster.records(new TopicPartition("t", 0)).isEmpty());
    }

    @Test
    void unknownTopicAndPartitionFailTheFutureNamingWhatToFix() {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 2);
        Producer producer = producer(b -> b.maxBlock(Duration.ofMillis(200)));
        ClientException unknownTopic = assertInstanceOf(ClientException.class, org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> producer.send(new ProducerRecord("nope", null, utf8("a"))).get()).getCause());
        assertEquals(ErrorCode.UNKNOWN_TOPIC, unknownTopic.code());
        ClientException unknownPartition = assertInstanceOf(ClientException.class, org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> producer.send(new ProducerRecord("t", 5, null, null, utf8("a"), List.of()))
                        .get()).getCause());
        assertEquals(ErrorCode.UNKNOWN_PARTITION, unknownPartition.code());
        assertTrue(unknownPartition.getMessage().contains("has 2 partitions"), unknownPartition.getMessage());
    }

    @Test
    void aRecordOverMaxRequestSizeIsRejectedAtSend() {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        Producer producer = producer(b -> b.maxRequestSize(2048));
        ClientException tooLarge = assertInstanceOf(ClientException.class, org.junit.jupiter.api.Assertions.assertThrows(
                ExecutionException.class, () -> producer.send(new ProducerRecord("t", null, new byte[4096])).get()).getCause());
        assertEquals(ErrorCode.RECORD_TOO_LARGE, tooLarge.code());
    }

    @Test
    void acksAllWaitsForTheHighWatermarkAndGivesUpAfterTheDeliveryTimeout() {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        cluster.holdHighWatermark(true);
        Producer producer = producer(b -> b.requestTimeout(Duration.ofMillis(200)).deliveryTimeout(Duration.ofMillis(600)));
        CompletableFuture<RecordMetadata> future = producer.send(new ProducerRecord("t", null, utf8("a")));
        ClientException timedOut = assertInstanceOf(ClientException.class,
                org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, future::get).getCause());
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, timedOut.code());
    }

    @Test
    void inFlightRequestsPerBrokerAreBounded() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 6);
        cluster.holdHighWatermark(true);
        Producer producer = producer(b -> b.maxInFlightPerBroker(2).linger(Duration.ZERO));
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int p = 0; p < 6; p++) {
            futures.add(producer.send(new ProducerRecord("t", p, null, null, utf8("p" + p), List.of())));
            int partition = p;
            await().atMost(Duration.ofSeconds(5)).until(() -> partition >= 2 || cluster.maxConcurrentProduces() > partition);
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces() == 2);
        assertFalse(futures.get(5).isDone());
        cluster.holdHighWatermark(false);
        for (CompletableFuture<RecordMetadata> future : futures) {
            assertEquals(0, future.get().offset());
        }
        assertEquals(2, cluster.maxConcurrentProduces());
    }

    /**
     * A producer whose every record (about 700 bytes) is a batch of its own (batch.size 100) and
     * travels in a request of its own (max.request.size 1024), so requests can be counted.
     */
    private Producer requestPerRecordProducer(UnaryOperator<ProducerConfig.Builder> settings) {
        return producer(b -> settings.apply(b.batchSize(100).maxRequestSize(1024).linger(Duration.ZERO)));
    }

    private static ProducerRecord bigRecord(TopicPartition tp, int i) {
        byte[] value = new byte[700];
        byte[] label = utf8("r" + i);
        System.arraycopy(label, 0, value, 0, label.length);
        return new ProducerRecord(tp.topic(), tp.partition(), null, null, value, List.of());
    }

    private static List<String> labels(List<Record> records) {
        return records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8).trim()).toList();
    }

    /**
     * Lets the held answers of the first five Produce requests of {@code tp} reach the producer
     * one by one, in {@code order} (places in arrival order, e.g. "4,5,1,2,3"), then every answer.
     */
    private void answerInOrder(TopicPartition tp, String order) {
        int delivered = cluster.produceAnswersSent(tp);
        for (String arrival : order.split(",")) {
            cluster.releaseProduceAnswers(tp, Integer.parseInt(arrival));
            int answered = ++delivered;
            await().atMost(Duration.ofSeconds(5)).until(() -> cluster.produceAnswersSent(tp) == answered);
        }
        cluster.holdProduceAnswers(false);
    }

    @ParameterizedTest(name = "{0}, answers in the order of requests {1}")
    @CsvSource(delimiter = ';', value = {"NOT_LEADER;1,2,3,4,5", "NOT_LEADER;5,4,3,2,1", "DROP;1,2,3,4,5",
            "DROP;4,5,2,1,3", "LOSE_ANSWER;1,2,3,4,5", "LOSE_ANSWER;4,5,1,2,3"})
    void aFailedMiddleRequestOfFiveInFlightIsRetriedInSequenceAndEveryRecordIsWrittenOnce(FakeCluster.ProduceFate third,
                                                                                         String answerOrder)
            throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.holdProduceAnswers(true);
        cluster.scriptProduces(tp, FakeCluster.ProduceFate.ANSWER, FakeCluster.ProduceFate.ANSWER, third);
        Producer producer = requestPerRecordProducer(b -> b);
        List<String> callbacks = new CopyOnWriteArrayList<>();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String label = "r" + i;
            futures.add(producer.send(bigRecord(tp, i),
                    (m, e) -> callbacks.add(e == null ? label + "@" + m.offset() : label + " " + e)));
            if (i < 5) {
                // one at a time, so the leader decides them in send order
                int open = i + 1;
                await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces(tp) == open);
            }
        }
        assertEquals(5, cluster.maxConcurrentProduces(tp), "five requests of the partition in flight at once");
        List<ErrorCode> decided = switch (third) {
            case NOT_LEADER -> List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NOT_LEADER,
                    ErrorCode.OUT_OF_ORDER_SEQUENCE, ErrorCode.OUT_OF_ORDER_SEQUENCE);
            case DROP -> List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.OUT_OF_ORDER_SEQUENCE,
                    ErrorCode.OUT_OF_ORDER_SEQUENCE);
            default -> List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE);
        };
        assertEquals(decided, cluster.produceAnswers(tp), "the 4th and 5th requests follow a batch the leader lacks");

        answerInOrder(tp, answerOrder);
        List<String> expectedLog = new ArrayList<>();
        List<String> expectedCallbacks = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            assertEquals(i, futures.get(i).get(10, TimeUnit.SECONDS).offset(),
                    "record " + i + " is acknowledged at its place in send order");
            expectedLog.add("r" + i);
            expectedCallbacks.add("r" + i + "@" + i);
        }
        assertEquals(expectedLog, labels(cluster.records(tp)), "every record once, in send order");
        assertEquals(expectedCallbacks, callbacks, "one callback per record, in send order");
        int nextSequence = 0;
        for (io.wharf.record.RecordBatch batch : cluster.batches(tp)) {
            assertEquals(nextSequence, batch.baseSequence(), "the retries kept their sequences");
            nextSequence = batch.lastSequence() + 1;
        }
        assertEquals(1, cluster.initProducerIdCalls(), "no gap: the producer never started over");
        // A lost answer breaks the stream it travels on: the requests still unanswered on it are
        // resent too, and those the leader had written are recognised as well.
        int lostAnswers = third == FakeCluster.ProduceFate.LOSE_ANSWER ? 1 : 0;
        // Requests still held when the stream broke answer (into the void) on their own threads.
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.produceAnswersSent(tp) == cluster.producesArrived(tp));
        assertEquals(lostAnswers + cluster.appendsAnsweredOnEndedStream(tp), cluster.duplicateBatches(tp),
                "a resent batch the leader had written is answered with its first offset");
    }

    @ParameterizedTest(name = "answers in the order of requests {0}")
    @ValueSource(strings = {"1,2,3,4,5", "4,5,1,2,3", "1,2,4,3,5"})
    void aMiddleRequestOfFiveInFlightThatFailsForGoodLeavesTheLaterOnesToANewProducerId(String answerOrder)
            throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.holdProduceAnswers(true);
        cluster.failNextProduces(tp, ErrorCode.NONE, ErrorCode.NONE, ErrorCode.CORRUPT_RECORD);
        Producer producer = requestPerRecordProducer(b -> b);
        List<String> callbacks = new CopyOnWriteArrayList<>();
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String label = "r" + i;
            futures.add(producer.send(bigRecord(tp, i),
                    (m, e) -> callbacks.add(e == null ? label + "@" + m.offset() : label)));
            if (i < 5) {
                int open = i + 1;
                await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces(tp) == open);
            }
        }
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.CORRUPT_RECORD, ErrorCode.OUT_OF_ORDER_SEQUENCE,
                ErrorCode.OUT_OF_ORDER_SEQUENCE), cluster.produceAnswers(tp));

        answerInOrder(tp, answerOrder);
        ClientException corrupt = assertInstanceOf(ClientException.class,
                assertThrows(ExecutionException.class, () -> futures.get(2).get(10, TimeUnit.SECONDS)).getCause());
        assertEquals(ErrorCode.CORRUPT_RECORD, corrupt.code());
        // the leader refused the 4th and 5th (nothing written), so they are sent again under a new id
        List<Integer> written = List.of(0, 1, 3, 4, 5, 6, 7, 8, 9);
        for (int offset = 0; offset < written.size(); offset++) {
            assertEquals(offset, futures.get(written.get(offset)).get(10, TimeUnit.SECONDS).offset(),
                    "record " + written.get(offset));
        }
        assertEquals(List.of("r0", "r1", "r3", "r4", "r5", "r6", "r7", "r8", "r9"), labels(cluster.records(tp)),
                "every record but the refused one once, in send order");
        assertEquals(List.of("r0@0", "r1@1", "r2", "r3@2", "r4@3", "r5@4", "r6@5", "r7@6", "r8@7", "r9@8"), callbacks,
                "callbacks in send order");
        assertEquals(2, cluster.initProducerIdCalls(), "one fresh producer id for the gap, not one per refused batch");
        List<io.wharf.record.RecordBatch> batches = cluster.batches(tp);
        assertEquals(0, batches.get(2).baseSequence(), "r3 starts the new producer id's sequence");
        assertTrue(batches.get(2).producerId() != batches.get(1).producerId());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void requestsInFlightStayWithinMaxInFlightPerPartitionAndPerBroker(boolean idempotence) throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 2);
        TopicPartition p0 = new TopicPartition("t", 0);
        TopicPartition p1 = new TopicPartition("t", 1);
        cluster.holdProduceAnswers(true);
        Producer producer = requestPerRecordProducer(b -> b.maxInFlightPerBroker(3).idempotence(idempotence));
        // without idempotence a partition has one request out at a time, so a retry cannot be overtaken
        int perPartition = idempotence ? 3 : 1;
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            futures.add(producer.send(bigRecord(p0, i)));
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces(p0) == perPartition);
        for (int i = 0; i < 8; i++) {
            futures.add(producer.send(bigRecord(p1, i)));
        }
        // held answers: every request the producer may send is out; it must send nothing more
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() ->
                cluster.maxConcurrentProduces(p0) == perPartition
                        && cluster.maxConcurrentProduces(p1) == (idempotence ? 0 : 1)
                        && cluster.maxConcurrentProduces() == (idempotence ? 3 : 2));

        cluster.holdProduceAnswers(false);
        for (int i = 0; i < futures.size(); i++) {
            assertEquals(i % 8, futures.get(i).get(10, TimeUnit.SECONDS).offset(), "record " + i);
        }
        assertEquals(perPartition, cluster.maxConcurrentProduces(p0));
        assertTrue(cluster.maxConcurrentProduces(p1) <= perPartition, "p1: " + cluster.maxConcurrentProduces(p1));
        assertEquals(idempotence ? 3 : 2, cluster.maxConcurrentProduces(),
                "at most max.in.flight.requests.per.connection at the broker");
    }

    @Test
    void aLeaderChangeUnderFiveRequestsInFlightKeepsThePartitionsOrder() throws Exception {
        cluster = FakeCluster.inProcess(2);
        cluster.createTopic("t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        cluster.holdProduceAnswers(true);
        Producer producer = requestPerRecordProducer(b -> b);
        List<CompletableFuture<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            futures.add(producer.send(bigRecord(tp, i)));
            if (i < 5) {
                int open = i + 1;
                await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces(tp) == open);
            }
            if (i == 1) {
                cluster.moveLeader(tp, 2, true); // broker 1 wrote two batches, refuses the next three
            }
        }
        cluster.holdProduceAnswers(false);
        for (int i = 0; i < 10; i++) {
            assertEquals(i, futures.get(i).get(10, TimeUnit.SECONDS).offset(), "record " + i);
        }
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("r" + i);
        }
        assertEquals(expected, labels(cluster.records(tp)), "every record once, in send order");
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NOT_LEADER, ErrorCode.NOT_LEADER,
                ErrorCode.NOT_LEADER), cluster.produceAnswers(tp).subList(0, 5));
    }

    @Test
    void sendBlocksWhileBufferMemoryIsFullThenFails() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        cluster.holdHighWatermark(true);
        Producer producer = producer(b -> b.bufferMemory(2048).batchSize(1024).maxBlock(Duration.ofMillis(200)));
        CompletableFuture<RecordMetadata> first = producer.send(new ProducerRecord("t", null, new byte[1500]));
        long start = System.nanoTime();
        CompletableFuture<RecordMetadata> blocked = producer.send(new ProducerRecord("t", null, new byte[1500]));
        assertTrue(System.nanoTime() - start >= 150_000_000L, "send waited for memory");
        ClientException full = assertInstanceOf(ClientException.class,
                org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, blocked::get).getCause());
        assertTrue(full.getMessage().contains("buffer.memory"), full.getMessage());
        cluster.holdHighWatermark(false);
        assertEquals(0, first.get().offset());
        assertEquals(1, producer.send(new ProducerRecord("t", null, new byte[1500])).get().offset(),
                "memory is freed once the first record was acknowledged");
    }

    @Test
    void acksZeroReportsNoOffset() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        Producer producer = producer(b -> b.acks(0));
        assertEquals(-1, producer.send(new ProducerRecord("t", null, utf8("a"))).get().offset());
        assertEquals(1, cluster.records(new TopicPartition("t", 0)).size());
    }

    @Test
    void closeSendsWhatIsQueuedAndLaterSendsAreRefused() throws Exception {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        Producer producer = producer(b -> b.linger(Duration.ofSeconds(60)));
        CompletableFuture<RecordMetadata> future = producer.send(new ProducerRecord("t", null, utf8("a")));
        producer.close(Duration.ofSeconds(5));
        assertEquals(0, future.getNow(null).offset());
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> producer.send(new ProducerRecord("t", null, utf8("b"))));
    }

    @Test
    void closeWithATimeoutFailsWhatCouldNotBeAcknowledged() {
        cluster = FakeCluster.inProcess(1);
        cluster.createTopic("t", 1);
        cluster.holdHighWatermark(true);
        Producer producer = producer(b -> b);
        CompletableFuture<RecordMetadata> future = producer.send(new ProducerRecord("t", null, utf8("a")));
        await().atMost(Duration.ofSeconds(5)).until(() -> cluster.maxConcurrentProduces() == 1);
        producer.close(Duration.ofMillis(100));
        ExecutionException failure = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, future::get);
        assertInstanceOf(ClientException.class, failure.getCause());
    }
}
