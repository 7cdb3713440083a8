package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.proto.common.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wharf exchanges|queues|bind|unbind|publish|subscribe|bench queue} end to end against a
 * fake queue controller and brokers on 127.0.0.1.
 */
class QueueCliTest {

    @TempDir
    Path clusterDir;
    private final FakeQueueCluster cluster = FakeQueueCluster.network(2);
    private final ObjectMapper mapper = new ObjectMapper();
    private StringWriter out;
    private StringWriter err;

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /** An admin command, with the controller as --bootstrap. */
    private int admin(String... args) {
        return run("", cluster.controller().toString(), args);
    }

    /** A data command (publish, subscribe), with the brokers as --bootstrap. */
    private int data(String stdin, String... args) {
        return run(stdin, cluster.bootstrapString(), args);
    }

    private int run(String stdin, String bootstrap, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused-classpath",
                new PrintWriter(out, true), new PrintWriter(err, true),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        List<String> withBootstrap = new ArrayList<>(List.of(args));
        withBootstrap.add("--bootstrap");
        withBootstrap.add(bootstrap);
        return WharfCli.execute(env, withBootstrap.toArray(String[]::new));
    }

    private JsonNode json() throws Exception {
        return mapper.readTree(out.toString());
    }

    @Test
    void exchangesAreDeclaredListedAndDeleted() throws Exception {
        assertEquals(0, admin("exchanges", "declare", "events", "--type", "topic", "--arg", "alternate-exchange=lost"),
                err.toString());
        assertEquals("Declared exchange events.", out.toString().trim());
        assertEquals(0, admin("exchanges", "list"));
        List<String> lines = out.toString().lines().toList();
        assertTrue(lines.get(0).startsWith("NAME"), out.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("(default)") && l.contains("direct")), out.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("events\\s+topic\\s+false\\s+false\\s+alternate-exchange=lost")),
                out.toString());

        assertEquals(0, admin("exchanges", "list", "--json"));
        JsonNode events = null;
        for (JsonNode exchange : json().get("exchanges")) {
            if (exchange.get("name").asText().equals("events")) {
                events = exchange;
            }
        }
        assertEquals("topic", events.get("type").asText());
        assertEquals("lost", events.get("arguments").get("alternate-exchange").asText());
        assertTrue(json().get("exchanges").get(0).get("builtin").asBoolean());

        assertEquals(1, admin("exchanges", "declare", "events", "--type", "fanout"));
        assertTrue(err.toString().contains("PRECONDITION_FAILED"), err.toString());
        assertEquals(2, admin("exchanges", "declare", "x", "--type", "round-robin"));
        assertTrue(err.toString().contains("--type must be direct, fanout, topic or headers"), err.toString());

        assertEquals(0, admin("queues", "declare", "audit"));
        assertEquals(0, admin("bind", "events", "audit", "--routing-key", "order.*"));
        assertEquals("Bound queue audit to exchange events with routing key order.*.", out.toString().trim());
        assertEquals(0, admin("exchanges", "bindings", "events"));
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("events\\s+audit\\s+queue\\s+order\\.\\*\\s*")),
                out.toString());
        assertEquals(0, admin("exchanges", "bindings", "--json"));
        JsonNode binding = json().get("bindings").get(0);
        assertEquals("audit", binding.get("destination").asText());
        assertEquals("queue", binding.get("destination_kind").asText());
        assertEquals(1, admin("exchanges", "delete", "events", "--if-unused", "--json"));
        assertEquals("PRECONDITION_FAILED", json().get("error").get("code").asText());
        assertEquals(0, admin("exchanges", "delete", "events", "--json"));
        assertTrue(json().get("deleted").asBoolean());
    }

    @Test
    void queuesAreDeclaredListedDescribedPurgedAndDeleted() throws Exception {
        assertEquals(0, admin("queues", "declare", "a"));
        assertEquals(0, admin("queues", "declare", "jobs", "--arg", "x-max-length=10", "--replication-factor", "1",
                "--json"), err.toString());
        JsonNode declared = json();
        assertEquals("jobs", declared.get("name").asText());
        assertEquals(2, declared.get("leader").asInt());
        assertEquals("10", declared.get("arguments").get("x-max-length").asText());
        assertTrue(declared.get("ready") == null, "list and declare carry no counts");

        assertEquals(0, admin("queues", "list"));
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("jobs\\s+2\\s+2\\s+2\\s+x-max-length=10")),
                out.toString());

        cluster.enqueue("jobs", "one");
        cluster.enqueue("jobs", "two");
        assertEquals(0, admin("queues", "describe", "jobs"), err.toString());
        assertTrue(out.toString().contains("Queue: jobs\tQueueId: q-jobs\tTopic: __queue.jobs\tLeader: 2\tReplicas: 2"
                + "\tIsr: 2"), out.toString());
        assertTrue(out.toString().contains("Ready: 2\tUnacked: 0\tReadyBytes: 6\tConsumers: 0"), out.toString());
        assertTrue(out.toString().contains("DeadLettering: 1\tDeadLettersDropped: 2\tDiscarded: expired=3,rejected=4"),
                out.toString());
        assertEquals(0, admin("queues", "describe", "jobs", "--json"));
        assertEquals(2, json().get("ready").asLong());
        assertEquals(1, json().get("dead_lettering").asLong());
        assertEquals(2, json().get("dead_letters_dropped").asLong());
        assertEquals(4, json().get("discarded").get("rejected").asLong());
        assertEquals(0, json().get("unacked").asLong());
        assertEquals(2, json().get("isr").get(0).asInt());
        assertTrue(json().get("consumers").isArray());

        assertEquals(1, admin("queues", "delete", "jobs", "--if-empty"));
        assertTrue(err.toString().contains("PRECONDITION_FAILED"), err.toString());
        assertEquals(0, admin("queues", "purge", "jobs"));
        assertEquals("Purged 2 messages from queue jobs.", out.toString().trim());
        assertEquals(0, admin("queues", "delete", "jobs", "--if-empty", "--if-unused"));
        assertEquals(1, admin("queues", "describe", "jobs"));
        assertTrue(err.toString().contains("NOT_FOUND"), err.toString());
    }

    @Test
    void publishedLinesAreRoutedAndSubscribePrintsAndAcksThem() throws Exception {
        assertEquals(0, admin("exchanges", "declare", "orders", "--type", "direct"));
        assertEquals(0, admin("queues", "declare", "paid"));
        assertEquals(0, admin("bind", "orders", "paid", "--routing-key", "paid", "--json"));
        assertEquals("paid", json().get("binding").get("routing_key").asText());

        assertEquals(0, data("a\nb\n", "publish", "orders", "--routing-key", "paid", "--header", "source=test",
                "--json"), err.toString());
        assertEquals(2, json().get("acked").asInt());
        assertEquals(List.of("a", "b"), cluster.readyBodies("paid"));

        assertEquals(0, data("", "subscribe", "paid", "--max-messages", "1", "--timeout-ms", "5000"), err.toString());
        assertEquals("a", out.toString().trim());
        assertEquals(0, data("", "subscribe", "paid", "--max-messages", "1", "--timeout-ms", "5000", "--json"),
                err.toString());
        JsonNode delivery = mapper.readTree(out.toString().lines().findFirst().orElseThrow());
        assertEquals("b", delivery.get("body").asText());
        assertEquals("paid", delivery.get("queue").asText());
        assertEquals("orders", delivery.get("exchange").asText());
        assertEquals("paid", delivery.get("routing_key").asText());
        assertEquals("test", delivery.get("headers").get("source").asText());
        assertEquals(1003, delivery.get("delivery_tag").asLong());
        assertTrue(delivery.has("redelivered") && delivery.has("delivery_count"), delivery.toString());
        assertEquals(List.of(1000L, 1003L), cluster.acked());

        assertEquals(0, admin("unbind", "orders", "paid", "--routing-key", "paid"));
        assertEquals("Unbound queue paid to exchange orders with routing key paid.", out.toString().trim());
    }

    @Test
    void publishExitsNonZeroNamingEachLineThatWasNotConfirmed() {
        assertEquals(0, admin("queues", "declare", "jobs"));
        cluster.scriptPublishes(FakeQueueCluster.PublishFate.CONFIRM, ErrorCode.RECORD_TOO_LARGE);
        assertEquals(1, data("ok\ntoo big\n", "publish", "", "--routing-key", "jobs"));
        assertTrue(err.toString().contains("line 2 was not confirmed: RECORD_TOO_LARGE"), err.toString());
        assertTrue(err.toString().contains("1 of 2 lines were not confirmed"), err.toString());

        assertEquals(1, data("lost\n", "publish", "", "--routing-key", "nowhere", "--mandatory"));
        assertTrue(err.toString().contains("line 1 was not confirmed: returned"), err.toString());
        assertEquals(0, data("dropped\n", "publish", "", "--routing-key", "nowhere"), err.toString());
    }

    @Test
    void subscribeWithRejectRejectsEachMessageWithoutRequeue() {
        assertEquals(0, admin("queues", "declare", "pdfs"));
        cluster.enqueue("pdfs", "report-1");
        assertEquals(0, data("", "subscribe", "pdfs", "--reject", "--max-messages", "1", "--timeout-ms", "5000"),
                err.toString());
        assertEquals("report-1", out.toString().trim());
        assertEquals(List.of(), cluster.acked(), "rejected, not acked");
        assertEquals(List.of(), cluster.readyBodies("pdfs"), "not requeued");
        assertEquals(0, cluster.unacked("pdfs"));
        assertEquals(2, data("", "subscribe", "pdfs", "--reject", "--no-ack"));
        assertTrue(err.toString().contains("--reject and --no-ack exclude each other"), err.toString());
    }

    @Test
    void subscribeFailsWhenFewerMessagesCameOrTheQueueIsMissing() {
        assertEquals(0, admin("queues", "declare", "jobs"));
        cluster.enqueue("jobs", "only");
        assertEquals(1, data("", "subscribe", "jobs", "--max-messages", "3", "--timeout-ms", "300"));
        assertEquals("only", out.toString().trim());
        assertTrue(err.toString().contains("only 1 of 3 messages arrived"), err.toString());
        assertEquals(1, data("", "subscribe", "nope", "--timeout-ms", "300"));
        assertTrue(err.toString().contains("NOT_FOUND"), err.toString());
    }

    @Test
    void benchQueueReportsRatesAndLatencies() throws Exception {
        assertEquals(0, data("", "bench", "queue", "--controllers", cluster.controller().toString(), "--queue", "perf",
                "--duration", "1", "--rate", "200", "--size", "16", "--json"), err.toString());
        JsonNode result = json();
        long published = result.get("published").get("records").asLong();
        assertTrue(published > 0, result.toString());
        assertEquals(published, result.get("consumed").get("records").asLong());
        assertTrue(result.get("consumed").get("latency_ms").has("p99"), result.toString());
        assertEquals(0, result.get("nacked").asLong());
    }

    @Test
    void benchQueueCountsNothingSentDuringItsWarmUp() throws Exception {
        assertEquals(0, data("", "bench", "queue", "--controllers", cluster.controller().toString(), "--queue", "warm",
                "--warmup", "1", "--duration", "1", "--rate", "200", "--size", "16", "--json"), err.toString());
        JsonNode result = json();
        assertEquals(1, result.get("warmupSeconds").asInt());
        long published = result.get("published").get("records").asLong();
        // 200/s for one warm-up second and one measured one: about 200 measured, not 400
        assertTrue(published > 100 && published < 300, result.toString());
        assertEquals(published, result.get("consumed").get("records").asLong());
        assertEquals(0, result.get("nacked").asLong());
    }

    @Test
    void benchQueuePrintsTheFiguresOfEachReportingIntervalOnStderr() throws Exception {
        assertEquals(0, data("", "bench", "queue", "--controllers", cluster.controller().toString(), "--queue", "ticks",
                "--duration", "1", "--rate", "200", "--size", "16", "--reporting-interval-ms", "250"), err.toString());
        List<String> lines = err.toString().lines().filter(line -> line.startsWith("time ")).toList();
        assertTrue(lines.size() >= 3, err.toString());
        assertTrue(lines.stream().allMatch(line -> line.matches(
                "time [0-9.]+ s: [0-9]+ msg/s confirmed, [0-9]+ msg/s consumed, consumer latency p50 [0-9.]+ ms, "
                        + "p95 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms")), lines.toString());

        assertEquals(0, data("", "bench", "queue", "--controllers", cluster.controller().toString(), "--queue", "quiet",
                "--duration", "1", "--rate", "200", "--size", "16", "--reporting-interval-ms", "0"), err.toString());
        assertTrue(err.toString().lines().noneMatch(line -> line.startsWith("time ")), err.toString());
    }
}
