package io.wharf.client.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.ClientException;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.ErrorCode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConsumerTest {

    private FakeCluster cluster;
    private Producer producer;
    private final List<Consumer> consumers = new ArrayList<>();

    @AfterEach
    void tearDown() {
        consumers.forEach(Consumer::close);
        if (producer != null) {
            producer.close(Duration.ofSeconds(1));
        }
        cluster.close();
    }

    private void start(int brokers, String topic, int partitions) {
        cluster = FakeCluster.inProcess(brokers);
        cluster.createTopic(topic, partitions);
        producer = new Producer(ProducerConfig.builder(cluster.bootstrap()).acks(1).build(), cluster.channels());
    }

    private Consumer consumer(OffsetResetPolicy reset) {
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).autoOffsetReset(reset)
                .fetchMaxWait(Duration.ofMillis(200)).retryBackoff(Duration.ofMillis(10))
                .defaultApiTimeout(Duration.ofSeconds(5)).build(), cluster.channels());
        consumers.add(consumer);
        return consumer;
    }

    private void produce(String topic, int partition, Long timestamp, String... values) {
        for (String value : values) {
            producer.send(new ProducerRecord(topic, partition, timestamp, null, utf8(value), List.of()));
        }
        producer.flush();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(ConsumerRecord record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    /** Polls until {@code count} records came (or 5 s passed). */
    private static List<ConsumerRecord> pollFor(Consumer consumer, int count) {
        List<ConsumerRecord> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 5000;
        while (records.size() < count && System.currentTimeMillis() < deadline) {
            records.addAll(consumer.poll(Duration.ofMillis(200)));
        }
        return records;
    }

    @Test
    void readsEveryPartitionFromTheBeginningInOffsetOrder() {
        start(3, "t", 3);
        for (int i = 0; i < 30; i++) {
            producer.send(new ProducerRecord("t", i % 3, null, utf8("k" + i), utf8("v" + i), List.of()));
        }
        producer.flush();
        Consumer consumer = consumer(OffsetResetPolicy.EARLIEST);
        consumer.assign(consumer.partitionsFor("t"));
        List<ConsumerRecord> records = pollFor(consumer, 30);
        assertEquals(30, records.size());
        Map<Integer, List<Long>> offsets = new HashMap<>();
        for (ConsumerRecord record : records) {
            offsets.computeIfAbsent(record.partition(), p -> new ArrayList<>()).add(record.offset());
            int i = Integer.parseInt(text(record).substring(1));
            assertEquals(i % 3, record.partition());
            assertEquals(i / 3, record.offset());
            assertEquals("k" + i, new String(record.key(), StandardCharsets.UTF_8));
        }
        offsets.values().forEach(list -> assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), list));
        assertEquals(10, consumer.position(new TopicPartition("t", 0)));
    }

    @Test
    void smallPollsWhileFetchesRunAheadReturnEveryRecordOnceInOrder() {
        start(1, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            expected.add("r" + i);
            produce("t", 0, null, "r" + i);
        }
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).maxPollRecords(3)
                .maxPartitionFetchBytes(200).fetchMaxWait(Duration.ofMillis(50)).build(), cluster.channels());
        consumers.add(consumer);
        consumer.assign(List.of(tp));
        consumer.seek(tp, 0);
        List<ConsumerRecord> records = new ArrayList<>();
        long deadline = System.currentTimeMillis() + 5000;
        while (records.size() < 40 && System.currentTimeMillis() < deadline) {
            List<ConsumerRecord> polled = consumer.poll(Duration.ofMillis(100));
            assertTrue(polled.size() <= 3);
            records.addAll(polled);
            if (!polled.isEmpty()) {
                assertEquals(polled.get(polled.size() - 1).offset() + 1, consumer.position(tp));
            }
        }
        assertEquals(expected, records.stream().map(ConsumerTest::text).toList());
        consumer.seek(tp, 38);
        assertEquals(List.of("r38", "r39"), pollFor(consumer, 2).stream().map(ConsumerTest::text).toList());
    }

    @Test
    void seekIntoTheMiddleOfABatchSkipsTheRecordsBelowIt() {
        start(1, "t", 1);
        produce("t", 0, null, "a", "b", "c", "d", "e", "f");
        assertEquals(1, cluster.produceRequestPartitionCounts().size(), "one batch holds all six");
        Consumer consumer = consumer(OffsetResetPolicy.NONE);
        TopicPartition tp = new TopicPartition("t", 0);
        consumer.assign(List.of(tp));
        consumer.seek(tp, 4);
        List<ConsumerRecord> records = pollFor(consumer, 2);
        assertEquals(List.of("e", "f"), records.stream().map(ConsumerTest::text).toList());
        assertEquals(4, records.get(0).offset());
    }

    @Test
    void seekToBeginningAndEnd() {
        start(1, "t", 1);
        produce("t", 0, null, "a", "b");
        TopicPartition tp = new TopicPartition("t", 0);
        Consumer consumer = consumer(OffsetResetPolicy.NONE);
        consumer.assign(List.of(tp));
        consumer.seekToEnd(List.of(tp));
        assertEquals(2, consumer.position(tp));
        produce("t", 0, null, "c");
        assertEquals(List.of("c"), pollFor(consumer, 1).stream().map(ConsumerTest::text).toList());
        consumer.seekToBeginning(List.of(tp));
        assertEquals(List.of("a", "b", "c"), pollFor(consumer, 3).stream().map(ConsumerTest::text).toList());
        assertEquals(Map.of(tp, 0L), consumer.beginningOffsets(List.of(tp)));
        assertEquals(Map.of(tp, 3L), consumer.endOffsets(List.of(tp)));
    }

    @Test
    void offsetsForTimesFindsTheFirstRecordAtOrAfterTheTime() {
        start(1, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        for (int i = 0; i < 10; i++) {
            produce("t", 0, 1000L + 10 * i, "r" + i);
        }
        Consumer consumer = consumer(OffsetResetPolicy.NONE);
        consumer.assign(List.of(tp));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(Map.of(tp, 1041L));
        assertEquals(5, found.get(tp).offset());
        consumer.seek(tp, found.get(tp).offset());
        assertEquals("r5", text(pollFor(consumer, 1).get(0)));
        assertNull(consumer.offsetsForTimes(Map.of(tp, 5000L)).get(tp));
    }

    @Test
    void onlyRecordsBelowTheHighWatermarkAreReadAndALongPollWakesWhenItMoves() throws Exception {
        start(1, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        Consumer consumer = consumer(OffsetResetPolicy.EARLIEST);
        consumer.assign(List.of(tp));
        assertEquals(0, consumer.position(tp));
        cluster.holdHighWatermark(true);
        produce("t", 0, null, "a");
        assertTrue(consumer.poll(Duration.ofMillis(300)).isEmpty(), "a is above the high watermark");
        CompletableFuture<List<ConsumerRecord>> polled = CompletableFuture.supplyAsync(() -> consumer.poll(Duration.ofSeconds(10)));
        cluster.holdHighWatermark(false);
        assertEquals(List.of("a"), polled.get(5, TimeUnit.SECONDS).stream().map(ConsumerTest::text).toList());
    }

    @Test
    void followsTheLeaderWhenItMoves() {
        start(3, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        produce("t", 0, null, "a");
        Consumer consumer = consumer(OffsetResetPolicy.EARLIEST);
        consumer.assign(List.of(tp));
        assertEquals(1, pollFor(consumer, 1).size());
        cluster.moveLeader(tp, 2, false);
        produce("t", 0, null, "b");
        assertEquals(List.of("b"), pollFor(consumer, 1).stream().map(ConsumerTest::text).toList());
        cluster.moveLeader(tp, 3, true);
        produce("t", 0, null, "c");
        assertEquals(List.of("c"), pollFor(consumer, 1).stream().map(ConsumerTest::text).toList());
    }

    @Test
    void aLeaderThatDiesIsFollowedToItsSuccessor() {
        start(2, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        produce("t", 0, null, "a");
        Consumer consumer = consumer(OffsetResetPolicy.EARLIEST);
        consumer.assign(List.of(tp));
        assertEquals(1, pollFor(consumer, 1).size());
        cluster.stopBroker(1);
        assertTrue(consumer.poll(Duration.ofMillis(100)).isEmpty());
        cluster.moveLeader(tp, 2, true);
        produce("t", 0, null, "b");
        assertEquals(List.of("b"), pollFor(consumer, 1).stream().map(ConsumerTest::text).toList());
    }

    @Test
    void aPartitionWhoseLeaderStaysDownIsAClearErrorAfterTheApiTimeout() {
        start(2, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).fetchMaxWait(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10)).defaultApiTimeout(Duration.ofMillis(300)).build(), cluster.channels());
        consumers.add(consumer);
        consumer.assign(List.of(tp));
        consumer.seek(tp, 0);
        cluster.stopBroker(1);
        ClientException e = assertThrows(ClientException.class, () -> {
            for (int i = 0; i < 100; i++) {
                consumer.poll(Duration.ofMillis(100));
            }
        });
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.code());
        assertTrue(e.getMessage().contains("no fetch of t-0 succeeded"), e.getMessage());
    }

    @Test
    void aPendingResetWhileTheLeaderIsDownPollsEmptyThenFailsAfterTheApiTimeout() {
        start(2, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).retryBackoff(Duration.ofMillis(10))
                .defaultApiTimeout(Duration.ofMillis(400)).build(), cluster.channels());
        consumers.add(consumer);
        consumer.assign(List.of(tp));
        consumer.partitionsFor("t");
        cluster.stopBroker(1);
        consumer.seekToBeginning(List.of(tp));
        assertTrue(consumer.poll(Duration.ofMillis(50)).isEmpty(), "a retriable failure is not an error yet");
        ClientException e = assertThrows(ClientException.class, () -> {
            for (int i = 0; i < 100; i++) {
                consumer.poll(Duration.ofMillis(50));
            }
        });
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, e.code());
        assertTrue(e.getMessage().contains("t-0"), e.getMessage());
    }

    @Test
    void anOutOfRangePositionThrowsWithResetNoneAndResetsOtherwise() {
        start(1, "t", 1);
        TopicPartition tp = new TopicPartition("t", 0);
        produce("t", 0, null, "a", "b", "c");
        Consumer strict = consumer(OffsetResetPolicy.NONE);
        strict.assign(List.of(tp));
        strict.seek(tp, 50);
        OffsetOutOfRangeException e = assertThrows(OffsetOutOfRangeException.class, () -> pollFor(strict, 1));
        assertEquals(50, e.offset());
        assertTrue(e.getMessage().contains("t-0"), e.getMessage());

        cluster.deleteRecordsBefore(tp, 1);
        Consumer earliest = consumer(OffsetResetPolicy.EARLIEST);
        earliest.assign(List.of(tp));
        earliest.seek(tp, 0);
        List<ConsumerRecord> records = pollFor(earliest, 2);
        assertEquals(List.of("b", "c"), records.stream().map(ConsumerTest::text).toList());
    }

    @Test
    void anUnknownPartitionIsAClearError() {
        start(1, "t", 1);
        Consumer consumer = consumer(OffsetResetPolicy.EARLIEST);
        consumer.assign(List.of(new TopicPartition("t", 0), new TopicPartition("t", 4)));
        ClientException e = assertThrows(ClientException.class, () -> consumer.poll(Duration.ofSeconds(1)));
        assertTrue(e.getMessage().contains("t-4"), e.getMessage());
        Consumer impatient = new Consumer(ConsumerConfig.builder(cluster.bootstrap())
                .defaultApiTimeout(Duration.ofMillis(200)).build(), cluster.channels());
        consumers.add(impatient);
        ClientException unknown = assertThrows(ClientException.class, () -> impatient.partitionsFor("missing"));
        assertEquals(ErrorCode.UNKNOWN_TOPIC, unknown.code());
    }
}
