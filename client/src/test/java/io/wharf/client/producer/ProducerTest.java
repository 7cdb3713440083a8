package io.wharf.client.producer;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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
