package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.FakeControllerService;
import io.wharf.client.dlq.DeadLetterPolicy;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.producer.Murmur2;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.ListTopicsResponse;
import io.wharf.record.Header;
import io.wharf.record.Record;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wharf dlq list|show} for dead-letter topics: a scripted controller (no queues) names the
 * fake brokers on 127.0.0.1, which hold {@code orders-dlq} (2 partitions) with dead letters the
 * SDK's loop would write for topic {@code orders}: key {@code ad-7} failed (partition 0, 300 s
 * ago) and its next record was held behind it; a binary value failed on partition 1, 60 s ago.
 */
class DlqTopicCliTest {

    private static final String TIMEOUT = "java.net.SocketTimeoutException";

    @TempDir
    Path clusterDir;
    private final FakeControllerService controller = new FakeControllerService();
    private final FakeCluster brokers = FakeCluster.network(2);
    private final ObjectMapper mapper = new ObjectMapper();
    private Server server;
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void start() throws Exception {
        server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(controller).build()
                .start();
        brokers.createTopic("orders", 2);
        brokers.createTopic("orders-dlq", 2);
        brokers.createTopic("billing-dlq-blocked", 1);
        brokers.groupCoordinator(1);
        DescribeClusterResponse.Builder cluster = DescribeClusterResponse.newBuilder().setLeaderId(1);
        brokers.endpoints().forEach((id, endpoint) -> cluster.addBrokers(BrokerInfo.newBuilder().setId(id)
                .setHost(endpoint.host()).setPort(endpoint.port()).setState(BrokerState.ACTIVE)));
        controller.describeCluster = request -> cluster.build();
        controller.listTopics = request -> ListTopicsResponse.newBuilder().addNames("orders").addNames("orders-dlq")
                .addNames("billing-dlq-blocked").build();
        long now = System.currentTimeMillis();
        try (Producer producer = producer()) {
            producer.send(deadLetter(0, now - 300_000, "ad-7", utf8("click-1"), 5, TIMEOUT)).get();
            producer.send(deadLetter(0, now - 299_000, "ad-7", utf8("click-2"), 6,
                    DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE)).get();
            producer.send(deadLetter(1, now - 60_000, "ad-9", new byte[] {(byte) 0xff, 0}, 2,
                    "java.lang.IllegalStateException")).get();
        }
    }

    @AfterEach
    void stop() {
        server.shutdownNow();
        brokers.close();
    }

    private Producer producer() {
        return new Producer(ProducerConfig.builder(brokers.bootstrap()).build());
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A dead letter as DeadLetterRecord writes it, after an application header. */
    private static ProducerRecord deadLetter(int partition, long timestamp, String key, byte[] value, long offset,
                                             String cause) {
        return deadLetter(partition, timestamp, key, value, offset, cause, "orders");
    }

    private static ProducerRecord deadLetter(int partition, long timestamp, String key, byte[] value, long offset,
                                             String cause, String origin) {
        List<Header> headers = new ArrayList<>();
        headers.add(new Header("trace", utf8("t-" + key)));
        headers.add(new Header(DeadLetterRecord.CAUSE, utf8(cause)));
        headers.add(new Header(DeadLetterRecord.MESSAGE, utf8("billing failed")));
        headers.add(new Header(DeadLetterRecord.ORIGIN_TOPIC, utf8(origin)));
        headers.add(new Header(DeadLetterRecord.ORIGIN_PARTITION, utf8(String.valueOf(partition))));
        headers.add(new Header(DeadLetterRecord.ORIGIN_OFFSET, utf8(String.valueOf(offset))));
        headers.add(new Header(DeadLetterRecord.TIMESTAMP, utf8(String.valueOf(timestamp))));
        return new ProducerRecord("orders-dlq", partition, timestamp, utf8(key), value, headers);
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused", new PrintWriter(out, true),
                new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]));
        String[] withBootstrap = new String[args.length + 1];
        System.arraycopy(args, 0, withBootstrap, 0, args.length);
        withBootstrap[args.length] = "--bootstrap=127.0.0.1:" + server.getPort();
        return WharfCli.execute(env, withBootstrap);
    }

    private JsonNode json() throws Exception {
        return mapper.readTree(out.toString());
    }

    @Test
    void listCountsTheDeadLetterTopicsRecordsByCauseWithTheirOriginAndOldestAge() throws Exception {
        assertEquals(0, run("dlq", "list", "--json"), err.toString());
        assertEquals(0, json().get("dead_letter_queues").size(), json().toString());
        JsonNode topics = json().get("dead_letter_topics");
        assertEquals(1, topics.size(), topics.toString());
        JsonNode dlq = topics.get(0);
        assertEquals("topic", dlq.get("kind").asText());
        assertEquals("orders-dlq", dlq.get("topic").asText());
        assertEquals(3, dlq.get("depth").asLong());
        assertEquals(2, dlq.get("partitions").asInt());
        assertEquals("[\"orders\"]", dlq.get("origins").toString());
        assertEquals(3, dlq.get("sampled").asLong());
        assertEquals(1, dlq.get("reasons").get(TIMEOUT).asLong());
        assertEquals(1, dlq.get("reasons").get(DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE).asLong());
        assertEquals(1, dlq.get("reasons").get("java.lang.IllegalStateException").asLong());
        long oldest = dlq.get("oldest_age_seconds").asLong();
        assertTrue(oldest >= 300 && oldest < 400, "the oldest was dead-lettered 300 s ago: " + oldest);

        assertEquals(0, run("dlq", "list"), err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.matches(
                "orders-dlq\\s+3\\s+2\\s+orders\\s+3\\d\\ds\\s+.*java\\.net\\.SocketTimeoutException=1 \\(3\\)")),
                out.toString());

        assertEquals(0, run("dlq", "list", "--sample", "1", "--json"), err.toString());
        assertEquals(1, json().get("dead_letter_topics").get(0).get("sampled").asLong(), json().toString());
    }

    @Test
    void listTakesAnotherSuffix() throws Exception {
        assertEquals(0, run("dlq", "list", "--topic-suffix", "-blocked", "--sample", "0", "--json"), err.toString());
        JsonNode topics = json().get("dead_letter_topics");
        assertEquals(1, topics.size(), topics.toString());
        assertEquals("billing-dlq-blocked", topics.get(0).get("topic").asText());
        assertEquals(0, topics.get(0).get("depth").asLong());
        assertTrue(topics.get(0).get("oldest_age_seconds").isNull(), topics.toString());
    }

    @Test
    void showPrintsEachRecordWithItsDeathHeaders() throws Exception {
        assertEquals(0, run("dlq", "show", "orders-dlq", "--json"), err.toString());
        assertEquals("topic", json().get("kind").asText());
        assertEquals(3, json().get("depth").asLong());
        JsonNode records = json().get("records");
        assertEquals(3, records.size(), records.toString());
        JsonNode first = records.get(0);
        assertEquals(0, first.get("partition").asInt());
        assertEquals(0, first.get("offset").asLong());
        assertEquals("ad-7", first.get("key").asText());
        assertEquals("click-1", first.get("value").asText());
        assertEquals("utf-8", first.get("value_encoding").asText());
        assertEquals(TIMEOUT, first.get("headers").get("error.cause").asText());
        assertEquals("orders", first.get("headers").get("error.origin.topic").asText());
        assertEquals("5", first.get("headers").get("error.origin.offset").asText());
        assertEquals("t-ad-7", first.get("headers").get("trace").asText());
        JsonNode binary = records.get(2);
        assertEquals(1, binary.get("partition").asInt());
        assertEquals("base64", binary.get("value_encoding").asText());
        assertEquals("/wA=", binary.get("value").asText());

        assertEquals(0, run("dlq", "show", "orders-dlq", "--max-messages", "1"), err.toString());
        assertTrue(out.toString().contains("Topic orders-dlq: 3 records over 2 partitions; showing 1."),
                out.toString());
        assertTrue(out.toString().contains("Key (utf-8): ad-7"), out.toString());
        assertTrue(out.toString().contains("error.cause=" + TIMEOUT), out.toString());
        assertTrue(out.toString().contains("Value (utf-8): click-1"), out.toString());
        assertTrue(!out.toString().contains("click-2"), out.toString());
        assertNull(brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 0)),
                "reading commits nothing");
    }

    /** The values on every partition of {@code topic}, by partition then offset, as text (binary as its length). */
    private List<String> values(String topic) {
        List<String> values = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            for (Record r : brokers.records(new TopicPartition(topic, p))) {
                values.add(r.value()[0] == (byte) 0xff ? "binary" : new String(r.value(), StandardCharsets.UTF_8));
            }
        }
        return values;
    }

    @Test
    void replayProducesEachBackToItsOriginWithoutDeathHeadersAndASecondReplayResendsNothing() throws Exception {
        assertEquals(0, run("dlq", "replay", "orders-dlq", "--json"), err.toString());
        assertEquals("topic", json().get("kind").asText());
        assertEquals(3, json().get("replayed").asLong(), json().toString());
        assertEquals(0, json().get("failed").asLong());
        assertEquals("orders", json().get("records").get(0).get("target").asText());
        assertEquals(List.of("binary", "click-1", "click-2"), values("orders").stream().sorted().toList());
        Record replayed = brokers.records(new TopicPartition("orders", 0)).stream()
                .filter(r -> new String(r.value(), StandardCharsets.UTF_8).equals("click-1")).findFirst()
                .orElseGet(() -> brokers.records(new TopicPartition("orders", 1)).stream()
                        .filter(r -> new String(r.value(), StandardCharsets.UTF_8).equals("click-1")).findFirst()
                        .orElseThrow());
        assertEquals("ad-7", new String(replayed.key(), StandardCharsets.UTF_8));
        assertEquals(List.of("trace"), replayed.headers().stream().map(Header::key).toList(),
                "the error.* headers stay behind");
        assertEquals(2L, brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 0)));
        assertEquals(1L, brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 1)));

        assertEquals(0, run("dlq", "replay", "orders-dlq"), err.toString());
        assertTrue(out.toString().contains("Replayed 0 of 0 examined dead letters from orders-dlq"), out.toString());
        assertEquals(3, values("orders").size(), "nothing resent");

        try (Producer producer = producer()) {
            producer.send(deadLetter(1, System.currentTimeMillis(), "ad-9", utf8("view-2"), 3, TIMEOUT)).get();
        }
        assertEquals(0, run("dlq", "replay", "orders-dlq"), err.toString());
        assertTrue(out.toString().contains("replayed 1/1 key=ad-9 (" + TIMEOUT + ") to orders"), out.toString());
        assertEquals(4, values("orders").size(), values("orders").toString());
    }

    @Test
    void dryRunAndFiltersSelectByKeyAndCause() throws Exception {
        assertEquals(0, run("dlq", "replay", "orders-dlq", "--dry-run"), err.toString());
        assertTrue(out.toString().contains("would replay 0/0 key=ad-7 (" + TIMEOUT + ") to orders"), out.toString());
        assertTrue(out.toString().contains("Dry run: would replay 3 of 3"), out.toString());
        assertEquals(List.of(), values("orders"));
        assertNull(brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 0)));

        assertEquals(0, run("dlq", "replay", "orders-dlq", "--key", "ad-7", "--reason",
                DeadLetterPolicy.BLOCKED_BY_PREVIOUS_FAILURE, "--group", "held", "--to", "orders", "--json"),
                err.toString());
        assertEquals(1, json().get("replayed").asLong(), json().toString());
        assertEquals(2, json().get("skipped").asLong(), json().toString());
        assertEquals(List.of("click-2"), values("orders"));
        assertEquals(2L, brokers.committedOffset("held", new TopicPartition("orders-dlq", 0)));
        assertNull(brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 0)));
    }

    @Test
    void aDeadLetterWhoseOriginIsGoneFailsAndTheNextReplayStartsAtIt() throws Exception {
        try (Producer producer = producer()) {
            producer.send(deadLetter(1, System.currentTimeMillis(), "ad-9", utf8("view-2"), 3, TIMEOUT, "gone")).get();
            producer.send(deadLetter(1, System.currentTimeMillis(), "ad-9", utf8("view-3"), 4, TIMEOUT)).get();
        }
        assertEquals(1, run("dlq", "replay", "orders-dlq"));
        assertTrue(err.toString().contains("dead letter 1/1 was not replayed: UNKNOWN_TOPIC: topic 'gone' does not "
                + "exist; create it or name another with --to"), err.toString());
        assertEquals(List.of("click-1", "click-2", "binary", "view-3").stream().sorted().toList(),
                values("orders").stream().sorted().toList());
        assertEquals(2L, brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 0)));
        assertEquals(1L, brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 1)),
                "the failed one is where the next replay starts");

        assertEquals(1, run("dlq", "replay", "orders-dlq", "--to", "nowhere", "--json"));
        assertEquals("NOT_FOUND", json().get("error").get("code").asText());
    }

    @Test
    void aReplayTheTargetRefusesFailsAndIsNotCommitted() throws Exception {
        int partition = Murmur2.partitionForKey(utf8("ad-9"), 2);
        brokers.failNextProduces(new TopicPartition("orders", partition), ErrorCode.INVALID_RECORD);
        assertEquals(1, run("dlq", "replay", "orders-dlq", "--key", "ad-9", "--json"));
        assertEquals(1, json().get("failed").asLong(), json().toString());
        assertEquals("INVALID_RECORD", json().get("records").get(2).get("error").get("code").asText());
        assertTrue(err.toString().contains("dead letter 1/0 was not replayed: INVALID_RECORD"), err.toString());
        assertEquals(List.of(), values("orders"));
        assertEquals(0L, brokers.committedOffset("wharf-dlq-replay", new TopicPartition("orders-dlq", 1)),
                "the next replay retries it");

        assertEquals(0, run("dlq", "replay", "orders-dlq", "--key", "ad-9"), err.toString());
        assertEquals(List.of("binary"), values("orders"));
    }
}
