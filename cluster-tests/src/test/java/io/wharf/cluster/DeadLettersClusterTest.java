package io.wharf.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.cli.CliEnvironment;
import io.wharf.cli.WharfCli;
import io.wharf.client.Endpoint;
import io.wharf.client.admin.NewTopic;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.dlq.BlockedKeys;
import io.wharf.client.dlq.DeadLetterConfig;
import io.wharf.client.dlq.DeadLetterLoop;
import io.wharf.client.dlq.DeadLetterPolicy;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.client.dlq.QueueDeadLetter;
import io.wharf.client.dlq.QueueDeadLetterConfig;
import io.wharf.client.dlq.QueueDeadLetterLoop;
import io.wharf.client.dlq.RetryBackoff;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.metadata.QueueNames;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SDK's dead-letter loops and the {@code wharf dlq} commands against real node processes. A
 * topic: {@link DeadLetterLoop} in ordered mode blocks a failing ad's later events, a restarted
 * loop still finds the block, the CLI lists, shows, releases and replays. A queue:
 * {@link QueueDeadLetterLoop} in ordered mode over a single-active-consumer queue, its active
 * consumer replaced midway, the CLI releases and replays. Each ends checking that every
 * acknowledged message was processed, in its key's order, or sits in the dead letters.
 */
class DeadLettersClusterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration LIMIT = Duration.ofSeconds(20);
    private static final RetryBackoff FAST = new RetryBackoff(Duration.ofMillis(5), Duration.ofMillis(20), 2);
    private static final String KEY_HEADER = QueueDeadLetterConfig.DEFAULT_ORDERING_KEY_HEADER;

    private static ProcessCluster cluster;
    private static final ExecutorService LOOPS = Executors.newCachedThreadPool(r -> new Thread(r, "dead-letter-loop"));

    @BeforeAll
    static void startCluster() {
        cluster = ProcessCluster.start("dead-letters", 29300, 3, 3, Map.of(
                "group.consumer.min.session.timeout.ms", "1000", "group.consumer.session.timeout.ms", "3000",
                "group.consumer.min.heartbeat.interval.ms", "100", "group.consumer.heartbeat.interval.ms", "300"));
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        LOOPS.shutdownNow();
        assertTrue(LOOPS.awaitTermination(10, TimeUnit.SECONDS), "the loops' threads ended");
        if (cluster != null) {
            cluster.close();
        }
    }

    // ---------------------------------------------------------------- topics

    /** One ordered loop with its own consumer, producer and blocked keys, running on a thread of {@link #LOOPS}. */
    private static final class RunningLoop implements AutoCloseable {
        final Consumer consumer;
        final Producer producer;
        final BlockedKeys blocks;
        final DeadLetterLoop loop;
        final Future<?> running;

        RunningLoop(String topic, String group, List<String> processed, FailingValue broken) {
            consumer = new Consumer(ConsumerConfig.builder(brokers()).groupId(group)
                    .autoOffsetReset(OffsetResetPolicy.EARLIEST).enableAutoCommit(false)
                    .fetchMaxWait(Duration.ofMillis(100)).build());
            producer = new Producer(ProducerConfig.builder(brokers()).build());
            blocks = BlockedKeys.open(brokers(), BlockedKeys.defaultTopic(group));
            loop = new DeadLetterLoop(consumer, producer, blocks, DeadLetterConfig.builder().ordered(true)
                    .maxAttempts(FAST.maxAttempts()).initialBackoff(FAST.initialDelay()).maxBackoff(FAST.maxDelay())
                    .pollTimeout(Duration.ofMillis(100)).build(), record -> {
                        String value = new String(record.value(), StandardCharsets.UTF_8);
                        broken.failIf(value);
                        processed.add(value);
                    });
            running = LOOPS.submit(() -> {
                loop.run(List.of(topic));
                return null;
            });
        }

        @Override
        public void close() throws Exception {
            loop.stop();
            running.get(10, TimeUnit.SECONDS); // rethrows what ended the loop, if anything
            consumer.close();
            producer.close();
            blocks.close();
        }
    }

    @Test
    void orderedTopicLoopBlocksAKeyAcrossARestartAndTheCliReleasesAndReplaysIt() throws Exception {
        String topic = "ad-events";
        String dlq = topic + "-dlq";
        String group = "billing";
        assertTrue(cluster.admin().createTopics(List.of(
                new NewTopic(topic, 2, 3, Map.of("min.insync.replicas", "2")),
                new NewTopic(dlq, 2, 3, Map.of("min.insync.replicas", "2")),
                new NewTopic(BlockedKeys.defaultTopic(group), 1, 3,
                        Map.of("cleanup.policy", "compact", "min.insync.replicas", "2"))))
                .stream().allMatch(outcome -> outcome.succeeded()));
        await().atMost(LIMIT).ignoreExceptions().until(() -> cluster.fullyReplicated(topic)
                && cluster.fullyReplicated(dlq) && cluster.fullyReplicated(BlockedKeys.defaultTopic(group)));

        List<String> processed = Collections.synchronizedList(new ArrayList<>());
        FailingValue broken = new FailingValue("ad-2#1");
        List<String> sent = new ArrayList<>(produceEvents(topic, 0, 4));
        try (RunningLoop first = new RunningLoop(topic, group, processed, broken)) {
            await("the first events handled").atMost(LIMIT).until(() -> processed.size() + topicDepth(dlq) == 16);
        }
        // A new loop (a restart) finds ad-2 still blocked: its later events go behind the block.
        sent.addAll(produceEvents(topic, 4, 6));
        RunningLoop second = new RunningLoop(topic, group, processed, broken);
        try {
            await("the later events handled").atMost(LIMIT).until(() -> processed.size() + topicDepth(dlq) == 24);
            assertTrue(processed.stream().noneMatch(v -> v.startsWith("ad-2#") && !v.equals("ad-2#0")),
                    "nothing of ad-2 processed after its block: " + processed);

            JsonNode listed = cliJson("dlq", "list", "--bootstrap", controllers());
            JsonNode entry = find(listed.get("dead_letter_topics"), "topic", dlq);
            assertEquals(5, entry.get("depth").asLong(), "dlq list: " + entry);
            JsonNode shown = cliJson("dlq", "show", dlq, "--max-messages", "10", "--bootstrap", controllers());
            assertFailedThenBlocked(shown.get("records"), "value", DeadLetterRecord.ORIGIN_TOPIC, topic, "ad-2");
            assertTrue(cli("dlq", "blocked", "--group", group, "--bootstrap", brokersCsv()).out().contains("ad-2"));

            broken.fix();
            assertEquals(0, cli("dlq", "release", "--group", group, topic, "ad-2", "--bootstrap", brokersCsv()).exit());
            JsonNode replayed = cliJson("dlq", "replay", dlq, "--key", "ad-2", "--bootstrap", controllers());
            assertEquals(5, replayed.get("replayed").asInt(), "dlq replay: " + replayed);
            await("the replayed events processed").atMost(LIMIT).until(() -> processed.containsAll(sent));
        } finally {
            second.close();
        }
        List<String> ad2 = processed.stream().filter(v -> v.startsWith("ad-2#")).toList();
        assertEquals(IntStream.range(0, 6).mapToObj(i -> "ad-2#" + i).toList(), ad2,
                "ad-2 processed once each, in order, after its release");
        assertEquals(sent.size(), processed.size(), "every acknowledged event processed once: " + processed);
    }

    /** Produces events {@code from..to-1} of ads 1 to 4, values {@code ad-N#i}, keyed by ad; returns them once acknowledged. */
    private static List<String> produceEvents(String topic, int from, int to) throws Exception {
        List<String> values = new ArrayList<>();
        try (Producer producer = new Producer(ProducerConfig.builder(brokers()).build())) {
            for (int i = from; i < to; i++) {
                for (int ad = 1; ad <= 4; ad++) {
                    String value = "ad-" + ad + "#" + i;
                    producer.send(new ProducerRecord(topic, ("ad-" + ad).getBytes(StandardCharsets.UTF_8),
                            value.getBytes(StandardCharsets.UTF_8))).get();
                    values.add(value);
                }
            }
        }
        return values;
    }

    private static long topicDepth(String topic) {
        try (Consumer reader = new Consumer(ConsumerConfig.builder(brokers()).build())) {
            var partitions = reader.partitionsFor(topic);
            Map<?, Long> begin = reader.beginningOffsets(partitions);
            return reader.endOffsets(partitions).entrySet().stream().mapToLong(e -> e.getValue() - begin.get(e.getKey()))
                    .sum();
        }
    }

    // ---------------------------------------------------------------- queues

    @Test
    void orderedQueueLoopKeepsAKeysDeadLettersInOrderAcrossAChangeOfActiveConsumer() throws Exception {
        String queue = "jobs";
        String dlq = "jobs-dlq";
        cluster.admin().declareExchange("jobs.dlx", ExchangeType.FANOUT, false, Map.of());
        cluster.admin().declareQueue(dlq, Map.of());
        cluster.admin().bind("jobs.dlx", dlq, DestinationKind.QUEUE, "", Map.of());
        cluster.admin().declareQueue(queue, Map.of("x-single-active-consumer", "true",
                "x-dead-letter-exchange", "jobs.dlx"));
        cluster.admin().declareQueue("jobs-shared", Map.of("x-dead-letter-exchange", "jobs.dlx"));
        assertTrue(cluster.admin().createTopics(List.of(new NewTopic(BlockedKeys.defaultTopic(queue), 1, 3,
                Map.of("cleanup.policy", "compact", "min.insync.replicas", "2")))).get(0).succeeded());
        await().atMost(LIMIT).ignoreExceptions().until(() -> cluster.fullyReplicated(QueueNames.topicFor(queue))
                && cluster.fullyReplicated(QueueNames.topicFor(dlq))
                && cluster.fullyReplicated(BlockedKeys.defaultTopic(queue)));

        List<String> processed = Collections.synchronizedList(new ArrayList<>());
        FailingValue broken = new FailingValue("j-2#1");
        QueueDeadLetterConfig ordered = QueueDeadLetterConfig.defaults().withBackoff(FAST).ordered();
        List<String> sent;
        try (QueuePublisher publisher = new QueuePublisher(QueuePublisherConfig.of(brokers()));
             QueueConsumer first = new QueueConsumer(QueueConsumerConfig.of(brokers()));
             QueueConsumer second = new QueueConsumer(QueueConsumerConfig.of(brokers()));
             BlockedKeys firstBlocks = BlockedKeys.open(brokers(), BlockedKeys.defaultTopic(queue));
             BlockedKeys secondBlocks = BlockedKeys.open(brokers(), BlockedKeys.defaultTopic(queue))) {
            assertThrows(IllegalArgumentException.class, () -> QueueDeadLetterLoop.start(first, publisher,
                    firstBlocks, ordered, "jobs-shared", SubscribeOptions.defaults(), d -> { }),
                    "ordered mode refuses a queue whose consumers compete");
            List<String> bySecond = Collections.synchronizedList(new ArrayList<>());
            QueueDeadLetterLoop active = QueueDeadLetterLoop.start(first, publisher, firstBlocks, ordered, queue,
                    SubscribeOptions.defaults().withPrefetch(5), delivery -> process(delivery, broken, processed));
            QueueDeadLetterLoop standby = QueueDeadLetterLoop.start(second, publisher, secondBlocks, ordered, queue,
                    SubscribeOptions.defaults().withPrefetch(5), delivery -> {
                        process(delivery, broken, processed);
                        bySecond.add(new String(delivery.body(), StandardCharsets.UTF_8));
                    });
            sent = new ArrayList<>(publishJobs(publisher, queue, 0, 4));
            await("the first jobs handled").atMost(LIMIT).until(() -> processed.size() + ready(dlq) == 12);
            assertEquals(List.of(), bySecond, "the second consumer waits while the first is active");

            // The active consumer goes; the waiting one takes over and finds j-2 blocked.
            active.close();
            active.done().get(10, TimeUnit.SECONDS);
            sent.addAll(publishJobs(publisher, queue, 4, 6));
            await("the later jobs handled by the new active consumer").atMost(LIMIT)
                    .until(() -> processed.size() + ready(dlq) == 18);
            assertTrue(processed.stream().noneMatch(v -> v.startsWith("j-2#") && !v.equals("j-2#0")),
                    "nothing of j-2 processed after its block: " + processed);
            assertEquals(List.of("j-1#4", "j-3#4", "j-1#5", "j-3#5"), bySecond, "the new active consumer's work");

            JsonNode shown = cliJson("dlq", "show", dlq, "--max-messages", "20", "--bootstrap", controllers());
            assertFailedThenBlocked(shown.get("messages"), "body", QueueDeadLetter.ORIGIN_QUEUE, queue, "j-2");
            assertTrue(cli("dlq", "blocked", "--queue", queue, "--bootstrap", brokersCsv()).out().contains("j-2"));

            broken.fix();
            assertEquals(0, cli("dlq", "release", "--queue", queue, "j-2", "--bootstrap", brokersCsv()).exit());
            JsonNode replayed = cliJson("dlq", "replay", dlq, "--bootstrap", controllers());
            assertEquals(5, replayed.get("replayed").asInt(), "dlq replay: " + replayed);
            await("the replayed jobs processed").atMost(LIMIT).until(() -> processed.containsAll(sent));
            assertEquals(0, ready(dlq), "the dead-letter queue is empty after the replay");
            standby.close();
            standby.done().get(10, TimeUnit.SECONDS);
        }
        List<String> j2 = processed.stream().filter(v -> v.startsWith("j-2#")).toList();
        assertEquals(IntStream.range(0, 6).mapToObj(i -> "j-2#" + i).toList(), j2,
                "j-2 processed once each, in order, after its release");
        assertEquals(sent.stream().sorted().toList(), processed.stream().sorted().toList(),
                "every confirmed job processed once");
    }

    private static void process(QueueDelivery delivery, FailingValue broken, List<String> processed) {
        String body = new String(delivery.body(), StandardCharsets.UTF_8);
        broken.failIf(body);
        processed.add(body);
    }

    /** Publishes jobs {@code from..to-1} of keys j-1 to j-3, bodies {@code j-N#i}; returns them once confirmed. */
    private static List<String> publishJobs(QueuePublisher publisher, String queue, int from, int to) {
        List<String> bodies = new ArrayList<>();
        for (int i = from; i < to; i++) {
            for (int job = 1; job <= 3; job++) {
                String body = "j-" + job + "#" + i;
                assertTrue(publisher.publish("", queue, Map.of(KEY_HEADER, "j-" + job),
                        body.getBytes(StandardCharsets.UTF_8), true).join().acked(), body);
                bodies.add(body);
            }
        }
        return bodies;
    }

    private static long ready(String queue) {
        return cluster.admin().describeQueue(queue).ready();
    }

    // ---------------------------------------------------------------- shared

    /**
     * Asserts that the dead letters {@code wharf dlq show --json} listed are {@code key}'s messages
     * 1 to 5 in source order, from {@code origin}: the first failed, the rest blocked behind it.
     *
     * @param textField where the listing has the value (topics) or body (queues)
     */
    private static void assertFailedThenBlocked(JsonNode shown, String textField, String originHeader, String origin,
                                                String key) {
        List<String> texts = new ArrayList<>();
        List<String> causes = new ArrayList<>();
        for (JsonNode deadLetter : shown) {
            texts.add(deadLetter.get(textField).asText());
            causes.add(deadLetter.get("headers").get(DeadLetterRecord.CAUSE).asText());
            assertEquals(origin, deadLetter.get("headers").get(originHeader).asText());
        }
        assertEquals(IntStream.rangeClosed(1, 5).mapToObj(i -> key + "#" + i).toList(), texts,
                "the key's dead letters: a contiguous tail in source order");
        assertEquals(IllegalStateException.class.getName(), causes.get(0));
        assertEquals(Collections.nCopies(4, DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE), causes.subList(1, 5));
    }

    /** The one value the processor fails on until {@link #fix()}: a bug fixed before the replay. */
    private static final class FailingValue {
        private final String value;
        private volatile boolean fixed;

        FailingValue(String value) {
            this.value = value;
        }

        void failIf(String candidate) {
            if (!fixed && candidate.equals(value)) {
                throw new IllegalStateException("cannot process " + candidate);
            }
        }

        void fix() {
            fixed = true;
        }
    }

    /** What a {@code wharf} command printed and its exit code. */
    private record CliRun(int exit, String out, String err) {
    }

    private static CliRun cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CliEnvironment env = new CliEnvironment(Path.of("unused"), Optional.empty(), "unused-classpath",
                new PrintWriter(out, true), new PrintWriter(err, true));
        int exit = WharfCli.execute(env, args);
        return new CliRun(exit, out.toString(), err.toString());
    }

    private static JsonNode cliJson(String... args) throws Exception {
        List<String> withJson = new ArrayList<>(List.of(args));
        withJson.add("--json");
        CliRun run = cli(withJson.toArray(String[]::new));
        assertEquals(0, run.exit(), String.join(" ", args) + ": " + run.err());
        return JSON.readTree(run.out());
    }

    private static JsonNode find(JsonNode array, String field, String value) {
        for (JsonNode node : array) {
            if (value.equals(node.get(field).asText())) {
                return node;
            }
        }
        throw new AssertionError("no " + field + "=" + value + " in " + array);
    }

    private static List<Endpoint> brokers() {
        return cluster.launcher().topology().brokerEndpoints();
    }

    private static String brokersCsv() {
        return brokers().stream().map(Endpoint::toString).collect(Collectors.joining(","));
    }

    private static String controllers() {
        return cluster.launcher().topology().controllerEndpoints().stream().map(Endpoint::toString)
                .collect(Collectors.joining(","));
    }
}
