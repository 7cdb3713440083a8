package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.broker.metrics.Exposition;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.Header;
import io.wharf.record.RecordBatchBuilder;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real broker's {@code /metrics} over HTTP, as Prometheus would scrape it: the partition gauges
 * follow a created topic and a produce, the JVM metrics are there, and the endpoint's lifetime is
 * the broker's.
 */
class MetricsEndpointTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeQuorum quorum;
    private BrokerNode broker;
    private ManagedChannel channel;

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

    @Test
    void gaugesFollowATopicAndItsDataAndTheJvmIsDescribed() throws Exception {
        start(Map.of(BrokerConfig.METRICS_PORT, "0"));
        int port = broker.metricsPort().orElseThrow();
        assertTrue(port > 0, "an ephemeral port was bound: " + port);

        HttpResponse<String> first = get(port);
        assertEquals(200, first.statusCode());
        assertTrue(first.headers().firstValue("Content-Type").orElse("").startsWith("text/plain; version=0.0.4"),
                first.headers().toString());
        Exposition before = Exposition.parse(first.body());
        assertEquals(0.0, before.value("wharf_partitions").orElseThrow());
        assertTrue(before.value("jvm_memory_used_bytes", "area", "heap").orElseThrow() > 0);
        assertTrue(before.value("jvm_threads_current").orElseThrow() > 0);
        assertFalse(before.samples("jvm_gc_collection_seconds_count").isEmpty());

        quorum.createTopic("orders", 2, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape(port).value("wharf_leader_partitions")
                .orElseThrow() == 2.0);
        Exposition created = scrape(port);
        assertEquals(2.0, created.value("wharf_partitions").orElseThrow());
        assertEquals(0.0, created.value("wharf_under_replicated_partitions").orElseThrow());
        assertEquals(0.0, created.value("wharf_log_size_bytes", "topic", "orders", "partition", "0").orElseThrow());

        ProduceResponse produced = stub().produce(ProduceRequest.newBuilder().setAcks(1).addPartitions(
                ProducePartition.newBuilder().setTopic("orders").setPartition(0).setRecords(batch("a", "b"))).build());
        assertEquals(ErrorCode.NONE, produced.getPartitions(0).getError().getCode(), produced.toString());

        Exposition written = scrape(port);
        long size = broker.partitions().partition(new TopicPartition("orders", 0)).orElseThrow().log().sizeInBytes();
        assertTrue(size >= batch("a", "b").size(), "the log holds the batch: " + size);
        assertEquals((double) size, written.value("wharf_log_size_bytes", "topic", "orders", "partition", "0")
                .orElseThrow());
        assertEquals(0.0, written.value("wharf_log_size_bytes", "topic", "orders", "partition", "1").orElseThrow());

        // The produce path recorded its stages, the request and what came in.
        assertEquals(2.0, written.value("wharf_records_in_total", "topic", "orders").orElseThrow());
        assertEquals((double) batch("a", "b").size(), written.value("wharf_bytes_in_total", "topic", "orders")
                .orElseThrow());
        for (String stage : new String[] {"queued", "append"}) {
            assertEquals(1.0, written.value("wharf_produce_stage_seconds_count", "stage", stage).orElseThrow(), stage);
        }
        assertEquals(0.0, written.value("wharf_produce_stage_seconds_count", "stage", "replication_wait")
                .orElseThrow(), "acks=1 does not wait for replication");
        // The response stage and the request are recorded once the answer was handed to gRPC, and the
        // fsync on the directory's fsync thread: both may land just after the client saw the answer.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            Exposition later = scrape(port);
            return later.value("wharf_produce_request_seconds_count").orElseThrow() == 1.0
                    && later.value("wharf_produce_stage_seconds_count", "stage", "response").orElseThrow() == 1.0
                    && later.value("wharf_produce_stage_seconds_count", "stage", "local_fsync").orElseThrow() >= 1.0;
        });

        broker.close();
        assertThrows(ConnectException.class, () -> get(port), "the endpoint stops with the broker");
    }

    @Test
    void aDeadLetterTopicsLeaderServesItsDepthOldestAgeAndCauses() throws Exception {
        start(Map.of(BrokerConfig.METRICS_PORT, "0"));
        int port = broker.metricsPort().orElseThrow();
        quorum.createTopic("orders-dlq", 1, 1);
        quorum.createTopic("orders", 1, 1);
        await().atMost(Duration.ofSeconds(20)).until(() -> scrape(port).value("wharf_leader_partitions")
                .orElseThrow() == 2.0);
        Exposition empty = scrape(port);
        assertEquals(0.0, empty.value("wharf_dead_letter_topic_records", "topic", "orders-dlq", "partition", "0")
                .orElseThrow());
        assertEquals(0.0, empty.value("wharf_dead_letter_topic_oldest_record_age_seconds", "topic", "orders-dlq",
                "partition", "0").orElseThrow(), "empty");

        long twoMinutesAgo = System.currentTimeMillis() - 120_000;
        RecordBatchBuilder deadLetters = new RecordBatchBuilder(CompressionType.LZ4);
        deadLetters.append(twoMinutesAgo, null, bytes("a"), List.of(header("error.cause", "java.io.IOException")));
        deadLetters.append(twoMinutesAgo + 1, null, bytes("b"), List.of(header("error.cause", "blocked_by_previous_failure")));
        deadLetters.append(twoMinutesAgo + 2, null, bytes("c"), List.of(header("error.cause", "java.io.IOException")));
        deadLetters.append(twoMinutesAgo + 3, null, bytes("d"), List.of());
        produce("orders-dlq", ByteString.copyFrom(deadLetters.build()));
        produce("orders", batch("not", "dead"));

        Exposition written = scrape(port);
        assertEquals(4.0, written.value("wharf_dead_letter_topic_records", "topic", "orders-dlq", "partition", "0")
                .orElseThrow(), "up to the high watermark (acks=1 on one replica: at once)");
        double age = written.value("wharf_dead_letter_topic_oldest_record_age_seconds", "topic", "orders-dlq",
                "partition", "0").orElseThrow();
        assertTrue(age >= 120 && age < 180, "the first record's timestamp is two minutes old: " + age);
        assertEquals(2.0, written.value("wharf_dead_letter_topic_records_in_total", "topic", "orders-dlq", "cause",
                "java.io.IOException").orElseThrow());
        assertEquals(1.0, written.value("wharf_dead_letter_topic_records_in_total", "topic", "orders-dlq", "cause",
                "blocked_by_previous_failure").orElseThrow());
        assertEquals(1.0, written.value("wharf_dead_letter_topic_records_in_total", "topic", "orders-dlq", "cause",
                "").orElseThrow(), "a record without error.cause");
        assertTrue(written.samples("wharf_dead_letter_topic_records", "topic", "orders").isEmpty(),
                "orders is no dead-letter topic");
        assertTrue(written.samples("wharf_dead_letter_topic_records_in_total", "topic", "orders").isEmpty());
    }

    @Test
    void minusOneServesNoEndpoint() throws Exception {
        start(Map.of(BrokerConfig.METRICS_PORT, "-1"));
        assertTrue(broker.metricsPort().isEmpty());
    }

    @Test
    void aTakenMetricsPortFailsTheStart() throws Exception {
        quorum = FakeQuorum.start(1);
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(1, quorum.bootstrap(), dir));
            config.put(BrokerConfig.METRICS_PORT, Integer.toString(taken.getLocalPort()));
            BrokerNode refused = new BrokerNode(BrokerConfig.from(config));
            IOException e = assertThrows(IOException.class, refused::start);
            assertTrue(e.getMessage().contains(":" + taken.getLocalPort() + " (metrics.port)"), e.getMessage());
            // The console and the endpoint start on a thread of their own; a failed start leaves it ended.
            await().atMost(Duration.ofSeconds(5)).until(() -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(thread -> thread.getName().equals("broker-1-http-start")));
            refused.close();
        }
    }

    private void start(Map<String, String> overrides) throws Exception {
        quorum = FakeQuorum.start(1);
        Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(1, quorum.bootstrap(), dir));
        config.putAll(overrides);
        broker = new BrokerNode(BrokerConfig.from(config));
        broker.start();
        await().atMost(Duration.ofSeconds(20)).until(broker::isActive);
    }

    private HttpResponse<String> get(int port) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private Exposition scrape(int port) throws IOException, InterruptedException {
        HttpResponse<String> response = get(port);
        assertEquals(200, response.statusCode(), response.body());
        return Exposition.parse(response.body());
    }

    private void produce(String topic, ByteString records) {
        ProduceResponse produced = stub().produce(ProduceRequest.newBuilder().setAcks(1).addPartitions(
                ProducePartition.newBuilder().setTopic(topic).setPartition(0).setRecords(records)).build());
        assertEquals(ErrorCode.NONE, produced.getPartitions(0).getError().getCode(), produced.toString());
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static Header header(String key, String value) {
        return new Header(key, bytes(value));
    }

    private BrokerServiceGrpc.BrokerServiceBlockingStub stub() {
        if (channel == null) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", broker.rpcPort()).usePlaintext().build();
        }
        return BrokerServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private static ByteString batch(String... values) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        long timestamp = System.currentTimeMillis();
        for (String value : values) {
            builder.append(timestamp++, null, value.getBytes(StandardCharsets.UTF_8));
        }
        return ByteString.copyFrom(builder.build());
    }
}
