package io.wharf.client.dlq;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.Header;
import io.wharf.record.Record;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link DeadLetterLoop} with the real Consumer, Producer and BlockedKeys against the fake cluster. */
class DeadLetterLoopTest {

    private static final String GROUP = "billing";
    private static final TopicPartition SOURCE = new TopicPartition("orders", 0);
    private static final TopicPartition DLQ = new TopicPartition("orders-dlq", 0);
    private static final TopicPartition BLOCKED = new TopicPartition(BlockedKeys.defaultTopic(GROUP), 0);
    private static final DeadLetterConfig UNORDERED = DeadLetterConfig.builder().maxAttempts(2)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2)).pollTimeout(Duration.ofMillis(100)).build();
    private static final DeadLetterConfig ORDERED = DeadLetterConfig.builder().maxAttempts(2)
            .initialBackoff(Duration.ofMillis(1)).maxBackoff(Duration.ofMillis(2)).pollTimeout(Duration.ofMillis(100))
            .ordered(true).build();

    private FakeCluster cluster;
    private Producer producer;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    /** Values the processor finished, in order. */
    private final List<String> processed = Collections.synchronizedList(new ArrayList<>());
    /** Values the processor was called with, attempts included. */
    private final List<String> attempted = Collections.synchronizedList(new ArrayList<>());

    @BeforeEach
    void setUp() {
        cluster = FakeCluster.inProcess(2);
        cluster.createTopic(SOURCE.topic(), 1);
        cluster.createTopic(DLQ.topic(), 1);
        cluster.createTopic(BLOCKED.topic(), 1);
        cluster.groupCoordinator(1);
        producer = new Producer(ProducerConfig.builder(cluster.bootstrap()).build(), cluster.channels());
    }

    @AfterEach
    void tearDown() throws Exception {
        threads.shutdownNow();
        for (AutoCloseable c : toClose) {
            c.close();
        }
        producer.close(Duration.ofSeconds(1));
        cluster.close();
    }

    /** Fails every attempt at a value starting with "bad". */
    private void process(io.wharf.client.consumer.ConsumerRecord record) {
        String value = new String(record.value(), StandardCharsets.UTF_8);
        attempted.add(value);
        if (value.startsWith("bad")) {
            throw new IllegalStateException("cannot bill " + value);
        }
        processed.add(value);
    }

    /** A loop running on its own thread over its consumer; its future ends when it stops or fails. */
    private record Running(DeadLetterLoop loop, Consumer consumer, Future<?> done) {
    }

    private Running start(DeadLetterConfig config, BlockedKeys blocks) {
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).groupId(GROUP)
                .autoOffsetReset(OffsetResetPolicy.EARLIEST).fetchMaxWait(Duration.ofMillis(50))
                .retryBackoff(Duration.ofMillis(10)).defaultApiTimeout(Duration.ofSeconds(5)).build(), cluster.channels());
        toClose.add(consumer);
        Producer dlqProducer = new Producer(ProducerConfig.builder(cluster.bootstrap()).build(), cluster.channels());
        toClose.add(dlqProducer);
        DeadLetterLoop loop = new DeadLetterLoop(consumer, dlqProducer, blocks, config, this::process);
        return new Running(loop, consumer, threads.submit(() -> {
            loop.run(List.of(SOURCE.topic()));
            return null;
        }));
    }

    private BlockedKeys openBlocks() {
        BlockedKeys blocks = BlockedKeys.open(cluster.bootstrap(), BLOCKED.topic(), cluster.channels());
        toClose.add(blocks);
        return blocks;
    }

    private void produce(String key, String value) throws Exception {
        producer.send(new ProducerRecord(SOURCE.topic(), key == null ? null : utf8(key), utf8(value))).get();
    }

    private void awaitCommitted(Running running, long offset) {
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            if (running.done().isDone()) {
                running.done().get(); // a loop that failed: show why
            }
            return Objects.equals(cluster.committedOffset(GROUP, SOURCE), offset);
        });
    }

    /** Stops the loop and closes its consumer, leaving the group, as an application shutting down does. */
    private static void stop(Running running) throws Exception {
        running.loop().stop();
        running.done().get(20, TimeUnit.SECONDS);
        running.consumer().close();
    }

    private List<String> deadLetters() {
        return cluster.records(DLQ).stream().map(r -> utf8(r.value()) + ":" + header(r, DeadLetterRecord.CAUSE)).toList();
    }

    @Test
    void aRecordThatFailsEveryAttemptIsDeadLetteredThenCommitted() throws Exception {
        produce("a", "ok0");
        produce("b", "bad1");
        produce("a", "ok2");
        Running running = start(UNORDERED, null);
        awaitCommitted(running, 3);
        stop(running);

        assertEquals(List.of("ok0", "ok2"), processed);
        assertEquals(List.of("ok0", "bad1", "bad1", "ok2"), attempted, "two attempts, then the dead letter");
        List<Record> dlq = cluster.records(DLQ);
        assertEquals(1, dlq.size());
        Record deadLetter = dlq.get(0);
        assertEquals("b", utf8(deadLetter.key()));
        assertEquals("bad1", utf8(deadLetter.value()));
        assertEquals(IllegalStateException.class.getName(), header(deadLetter, "error.cause"));
        assertEquals("cannot bill bad1", header(deadLetter, "error.message"));
        assertEquals("orders", header(deadLetter, "error.origin.topic"));
        assertEquals("0", header(deadLetter, "error.origin.partition"));
        assertEquals("1", header(deadLetter, "error.origin.offset"));
        assertTrue(Long.parseLong(header(deadLetter, "error.timestamp")) > 0);
        assertTrue(cluster.records(BLOCKED).isEmpty(), "unordered mode blocks nothing");
    }

    @Test
    void orderedModeBlocksAKeyAcrossARestartUntilItIsReleased() throws Exception {
        produce("k1", "a");
        produce("k2", "b");
        produce("k1", "bad-c");
        produce("k1", "d");
        produce("k2", "e");
        produce(null, "bad-keyless");
        produce(null, "f");
        Running first = start(ORDERED, openBlocks());
        awaitCommitted(first, 7);
        stop(first);
        assertEquals(List.of("a", "b", "e", "f"), processed);
        assertEquals(List.of("bad-c:" + IllegalStateException.class.getName(),
                "d:" + DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE,
                "bad-keyless:" + IllegalStateException.class.getName()), deadLetters());
        assertEquals(1, cluster.records(BLOCKED).size(), "only the keyed failure blocks");

        // A new consumer and a new BlockedKeys: the block comes back from the topic, not from memory.
        Running second = start(ORDERED, openBlocks());
        produce("k1", "g");
        produce("k2", "h");
        awaitCommitted(second, 9);
        assertFalse(attempted.contains("g"), "a blocked key's record never reaches the processor");
        assertEquals("g:" + DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE, deadLetters().get(3));
        assertTrue(processed.contains("h"));

        try (BlockedKeys admin = BlockedKeys.open(cluster.bootstrap(), BLOCKED.topic(), cluster.channels())) {
            List<KeyBlock> listed = admin.list();
            assertEquals(1, listed.size());
            assertEquals("orders/" + java.util.HexFormat.of().formatHex(utf8("k1")), listed.get(0).id());
            assertEquals(2L, listed.get(0).offset());
            assertTrue(admin.release("orders", utf8("k1")));
            assertTrue(admin.list().isEmpty());
        }
        produce("k1", "i");
        awaitCommitted(second, 10);
        stop(second);
        assertEquals("i", processed.get(processed.size() - 1), "a released key is processed again");
        assertEquals(4, deadLetters().size());
    }

    @Test
    void aMemberThatTakesOverAPartitionKnowsTheBlocksItsPreviousOwnerWrote() throws Exception {
        BlockedKeys readBeforeTheBlock = openBlocks();
        Running first = start(ORDERED, openBlocks());
        produce("k1", "bad-a");
        awaitCommitted(first, 1);
        Running second = start(ORDERED, readBeforeTheBlock);
        stop(first);
        produce("k1", "b");
        awaitCommitted(second, 2);
        stop(second);
        assertEquals(List.of("bad-a:" + IllegalStateException.class.getName(),
                "b:" + DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE), deadLetters());
        assertFalse(attempted.contains("b"));
    }

    @Test
    void aDeadLetterThatIsNeverAckedIsNotCommitted() throws Exception {
        cluster.failNextProduces(DLQ, ErrorCode.INVALID_RECORD, ErrorCode.INVALID_RECORD);
        produce("a", "ok0");
        produce("b", "bad1");
        Running running = start(UNORDERED, null);
        ExecutionException failed = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> running.done().get(20, TimeUnit.SECONDS));
        assertInstanceOf(DeadLetterWriteException.class, failed.getCause());
        assertEquals(1L, cluster.committedOffset(GROUP, SOURCE), "the failed record stays uncommitted");
        assertTrue(cluster.records(DLQ).isEmpty());
    }

    @Test
    void aDeadLetterAckedOnARetryIsCommitted() throws Exception {
        cluster.failNextProduces(DLQ, ErrorCode.INVALID_RECORD);
        produce("b", "bad0");
        Running running = start(UNORDERED, null);
        awaitCommitted(running, 1);
        stop(running);
        assertEquals(List.of("bad0:" + IllegalStateException.class.getName()), deadLetters());
    }

    private static String header(Record record, String name) {
        for (Header header : record.headers()) {
            if (header.key().equals(name)) {
                return utf8(header.value());
            }
        }
        throw new AssertionError("no header " + name);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
