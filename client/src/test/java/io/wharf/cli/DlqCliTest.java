package io.wharf.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import io.wharf.client.fake.FakeQueueCluster;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wharf dlq list|show|replay} against a fake queue cluster: jobs published to exchange
 * {@code work} with key {@code pdf} land in queue {@code jobs}, whose dead letters go through
 * exchange {@code dlx} (key {@code jobs}) to {@code jobs.dlq}; queue {@code orphan} names a
 * dead-letter exchange that does not exist.
 */
class DlqCliTest {

    private static final Duration SETTLED = Duration.ofSeconds(10);

    @TempDir
    Path clusterDir;
    private final FakeQueueCluster cluster = FakeQueueCluster.network(2);
    private final ObjectMapper mapper = new ObjectMapper();
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void topology() {
        assertEquals(0, run("exchanges", "declare", "work", "--type", "direct"), err.toString());
        assertEquals(0, run("exchanges", "declare", "dlx", "--type", "direct"), err.toString());
        assertEquals(0, run("queues", "declare", "jobs", "--arg", "x-dead-letter-exchange=dlx",
                "--arg", "x-dead-letter-routing-key=jobs"), err.toString());
        assertEquals(0, run("queues", "declare", "jobs.dlq"), err.toString());
        assertEquals(0, run("queues", "declare", "orphan", "--arg", "x-dead-letter-exchange=gone"), err.toString());
        assertEquals(0, run("bind", "work", "jobs", "--routing-key", "pdf"), err.toString());
        assertEquals(0, run("bind", "dlx", "jobs.dlq", "--routing-key", "jobs"), err.toString());
        cluster.enqueue("jobs.dlq", deadLetter("report-1", "rejected", 300));
        cluster.enqueue("jobs.dlq", deadLetter("report-2", "expired", 60));
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    /** A job that died in {@code jobs} for {@code reason} {@code secondsAgo}, as the broker dead-letters it. */
    private static Message deadLetter(String body, String reason, long secondsAgo) {
        return Message.newBuilder().setExchange("dlx").setRoutingKey("jobs").setBody(ByteString.copyFromUtf8(body))
                .putHeaders("x-first-death-exchange", "work").putHeaders("x-first-death-queue", "jobs")
                .putHeaders("x-first-death-reason", reason).putHeaders("x-last-death-exchange", "work")
                .putHeaders("x-last-death-queue", "jobs").putHeaders("x-last-death-reason", reason)
                .addXDeath(Death.newBuilder().setQueue("jobs").setReason(reason).setCount(1)
                        .setTime(Instant.now().getEpochSecond() - secondsAgo).setExchange("work").addRoutingKeys("pdf"))
                .build();
    }

    /** Runs a command with the controller as --bootstrap (the dlq commands learn the brokers from it). */
    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        CliEnvironment env = new CliEnvironment(clusterDir, Optional.empty(), "unused-classpath",
                new PrintWriter(out, true), new PrintWriter(err, true), new ByteArrayInputStream(new byte[0]));
        List<String> withBootstrap = new ArrayList<>(List.of(args));
        withBootstrap.add("--bootstrap");
        withBootstrap.add(cluster.controller().toString());
        return WharfCli.execute(env, withBootstrap.toArray(String[]::new));
    }

    private JsonNode json() throws Exception {
        return mapper.readTree(out.toString());
    }

    /** Waits until the peeking subscription's cancel put back what it held. */
    private void awaitReady(String queue, List<String> bodies) {
        await().atMost(SETTLED).until(() -> cluster.unacked(queue) == 0 && cluster.readyBodies(queue).equals(bodies));
    }

    @Test
    void listFindsTheDeadLetterQueueItsSourceAndWarnsWhenUnwatchedOrTheExchangeIsMissing() throws Exception {
        assertEquals(0, run("dlq", "list", "--json"), err.toString());
        JsonNode dlqs = json().get("dead_letter_queues");
        assertEquals(1, dlqs.size(), dlqs.toString());
        JsonNode dlq = dlqs.get(0);
        assertEquals("jobs.dlq", dlq.get("queue").asText());
        assertEquals("[\"jobs\"]", dlq.get("sources").toString());
        assertEquals(2, dlq.get("depth").asLong());
        assertEquals(0, dlq.get("consumers").asInt());
        assertEquals(2, dlq.get("sampled").asLong());
        assertEquals(1, dlq.get("reasons").get("rejected").asLong());
        assertEquals(1, dlq.get("reasons").get("expired").asLong());
        long oldest = dlq.get("oldest_age_seconds").asLong();
        assertTrue(oldest >= 300 && oldest < 400, "the older death is 300 s ago: " + oldest);

        String warnings = json().get("warnings").toString();
        assertTrue(warnings.contains("dead-letter queue jobs.dlq has no consumer"), warnings);
        assertTrue(warnings.contains("queue orphan: its x-dead-letter-exchange 'gone' does not exist, so its dead "
                + "letters are dropped (2 dropped since its leader started)"), warnings);
        assertTrue(err.toString().contains("warning: dead-letter queue jobs.dlq has no consumer"), err.toString());
        awaitReady("jobs.dlq", List.of("report-1", "report-2"));
        assertEquals(List.of(), cluster.acked());

        assertEquals(0, run("dlq", "list"), err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.matches(
                "jobs\\.dlq\\s+2\\s+0\\s+jobs\\s+3\\d\\ds\\s+expired=1,rejected=1 \\(2\\)")), out.toString());
    }

    @Test
    void listDoesNotWarnAboutADeadLetterQueueSomeoneWatches() throws Exception {
        try (QueueConsumer watcher = new QueueConsumer(QueueConsumerConfig.of(cluster.bootstrap()))) {
            watcher.subscribe("jobs.dlq", SubscribeOptions.defaults(), delivery -> { });
            await().atMost(SETTLED).until(() -> cluster.unacked("jobs.dlq") == 2);
            assertEquals(0, run("dlq", "list", "--json"), err.toString());
        }
        JsonNode dlq = json().get("dead_letter_queues").get(0);
        assertEquals(1, dlq.get("consumers").asInt());
        assertEquals(2, dlq.get("depth").asLong());
        assertEquals(0, dlq.get("sampled").asLong(), "what the watcher holds cannot be peeked");
        assertFalse(json().get("warnings").toString().contains("jobs.dlq has no consumer"), json().toString());
    }

    @Test
    void showPrintsTheDeathHistoryWithoutTakingTheMessages() throws Exception {
        cluster.enqueue("jobs.dlq", Message.newBuilder().setBody(ByteString.copyFrom(new byte[] {(byte) 0xff, 0}))
                .build());
        assertEquals(0, run("dlq", "show", "jobs.dlq", "--json"), err.toString());
        assertEquals(3, json().get("depth").asLong());
        JsonNode messages = json().get("messages");
        assertEquals(3, messages.size(), messages.toString());
        JsonNode first = messages.get(0);
        assertEquals("report-1", first.get("body").asText());
        assertEquals("utf-8", first.get("body_encoding").asText());
        assertEquals("jobs", first.get("routing_key").asText());
        assertEquals("work", first.get("headers").get("x-first-death-exchange").asText());
        JsonNode death = first.get("x_death").get(0);
        assertEquals("jobs", death.get("queue").asText());
        assertEquals("rejected", death.get("reason").asText());
        assertEquals(1, death.get("count").asLong());
        assertEquals("work", death.get("exchange").asText());
        assertEquals("[\"pdf\"]", death.get("routing_keys").toString());
        assertTrue(death.get("time").asText().endsWith("Z"), death.toString());
        assertEquals("base64", messages.get(2).get("body_encoding").asText());
        assertEquals("/wA=", messages.get(2).get("body").asText());

        awaitReady("jobs.dlq", List.of("report-1", "report-2", "\ufffd\u0000"));
        assertEquals(List.of(), cluster.acked());
        assertEquals(0, run("queues", "describe", "jobs.dlq", "--json"));
        assertEquals(3, json().get("ready").asLong());

        assertEquals(0, run("dlq", "show", "jobs.dlq", "--max-messages", "1"), err.toString());
        assertTrue(out.toString().contains("Body (utf-8): report-1"), out.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("\\s+jobs\\s+rejected\\s+1\\s+work\\s+pdf\\s+\\S+Z")),
                out.toString());
        assertFalse(out.toString().contains("report-2"), out.toString());
    }

    @Test
    void replayMovesEachDeadLetterBackToItsOriginOnceAndAcksIt() throws Exception {
        assertEquals(0, run("dlq", "replay", "jobs.dlq", "--json"), err.toString());
        assertEquals(2, json().get("replayed").asLong());
        assertEquals(0, json().get("failed").asLong());
        JsonNode replayed = json().get("messages").get(0);
        assertEquals("work", replayed.get("exchange").asText());
        assertEquals("[\"pdf\"]", replayed.get("routing_keys").toString());
        assertEquals("replayed", replayed.get("status").asText());

        assertEquals(List.of("report-1", "report-2"), cluster.readyBodies("jobs"));
        await().atMost(SETTLED).until(() -> cluster.readyBodies("jobs.dlq").isEmpty()
                && cluster.unacked("jobs.dlq") == 0);
        assertEquals(List.of(1000L, 1003L), cluster.acked());
    }

    @Test
    void replayWithAReasonTakesOnlyThoseAndLeavesTheOthers() throws Exception {
        // a window of one: the skipped rejected job at the head must not keep the expired one from coming
        assertEquals(0, run("dlq", "replay", "jobs.dlq", "--reason", "expired", "--max-messages", "1", "--json"),
                err.toString());
        assertEquals(1, json().get("replayed").asLong());
        assertEquals(1, json().get("skipped").asLong());
        assertEquals(List.of("report-2"), cluster.readyBodies("jobs"));
        awaitReady("jobs.dlq", List.of("report-1"));
        assertEquals(List.of(1003L), cluster.acked());

        assertEquals(2, run("dlq", "replay", "jobs.dlq", "--reason", "rejectd"));
        assertTrue(err.toString().contains("--reason must be one of rejected, expired, maxlen, delivery_limit, got "
                + "'rejectd'"), err.toString());
    }

    @Test
    void dryRunPrintsWhereEachWouldGoAndChangesNothing() throws Exception {
        assertEquals(0, run("dlq", "replay", "jobs.dlq", "--dry-run"), err.toString());
        assertTrue(out.toString().contains("would replay 1000 (rejected) to work pdf"), out.toString());
        assertTrue(out.toString().contains("Dry run: would replay 2 of 2"), out.toString());
        awaitReady("jobs.dlq", List.of("report-1", "report-2"));
        assertEquals(List.of(), cluster.readyBodies("jobs"));
        assertEquals(List.of(), cluster.publishes());
        assertEquals(List.of(), cluster.acked());
    }

    @Test
    void replayToAnUnknownExchangeIsRefusedBeforeAnythingIsTaken() throws Exception {
        assertEquals(1, run("dlq", "replay", "jobs.dlq", "--to", "nowhere:pdf", "--json"));
        assertEquals("NOT_FOUND", json().get("error").get("code").asText());
        assertTrue(json().get("error").get("message").asText().contains("no exchange 'nowhere' to replay to"),
                json().toString());
        assertEquals(0, cluster.subscribes());
        assertEquals(List.of("report-1", "report-2"), cluster.readyBodies("jobs.dlq"));
        assertEquals(List.of(), cluster.publishes());
    }

    @Test
    void replayToANamedTargetFailsForWhatRoutesNowhereAndKeepsIt() throws Exception {
        assertEquals(1, run("dlq", "replay", "jobs.dlq", "--to", "work:unbound", "--max-messages", "1"));
        assertTrue(err.toString().contains("dead letter 1000 was not replayed: RETURNED"), err.toString());
        assertTrue(out.toString().contains("failed 1000 (rejected) to work unbound: RETURNED"), out.toString());
        awaitReady("jobs.dlq", List.of("report-1", "report-2"));
        assertEquals(List.of(), cluster.acked());

        assertEquals(0, run("dlq", "replay", "jobs.dlq", "--to", "work", "--max-messages", "1"), err.toString());
        assertEquals(List.of("report-1"), cluster.readyBodies("jobs"));
        awaitReady("jobs.dlq", List.of("report-2"));
    }
}
