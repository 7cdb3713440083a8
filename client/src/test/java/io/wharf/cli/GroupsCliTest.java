package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.client.producer.ProducerRecord;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wharf groups ...} and {@code wharf consume --group} against fake brokers on 127.0.0.1. */
class GroupsCliTest {

    private static final TopicPartition P0 = new TopicPartition("orders", 0);
    private static final TopicPartition P1 = new TopicPartition("orders", 1);

    @TempDir
    Path clusterDir;
    private final FakeCluster cluster = FakeCluster.network(2);
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void setUp() {
        cluster.createTopic("orders", 2);
        cluster.groupCoordinator(2);
        // partition 0 holds records at times 1000, 2000, 3000 ms; partition 1 is empty
        try (Producer producer = new Producer(ProducerConfig.builder(cluster.bootstrap()).acks(1).build())) {
            for (long ts = 1000; ts <= 3000; ts += 1000) {
                producer.send(new ProducerRecord("orders", 0, ts, null, ("at-" + ts).getBytes(StandardCharsets.UTF_8),
                        List.of()));
            }
            producer.flush();
        }
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return CliCalls.execute(clusterDir, out, err, "", cluster.bootstrapString(), args);
    }

    private JsonNode json() throws Exception {
        return new ObjectMapper().readTree(out.toString());
    }

    /** A member of {@code group} subscribed to orders that has been given its partitions. */
    private Consumer activeMember(String group) {
        Consumer consumer = new Consumer(ConsumerConfig.builder(cluster.bootstrap()).groupId(group)
                .fetchMaxWait(Duration.ofMillis(50)).defaultApiTimeout(Duration.ofSeconds(5)).build());
        consumer.subscribe(List.of("orders"), RebalanceListener.NONE);
        long deadline = System.currentTimeMillis() + 20_000;
        while (consumer.assignment().size() < 2) {
            assertTrue(System.currentTimeMillis() < deadline, "the member got no assignment");
            consumer.poll(Duration.ofMillis(50));
        }
        return consumer;
    }

    @Test
    void listShowsEveryGroupWithStateAndMembers() throws Exception {
        cluster.commitOffset("analytics", P0, 1);
        try (Consumer member = activeMember("settlement")) {
            assertEquals(0, run("groups", "list"), err.toString());
            List<String> lines = out.toString().lines().toList();
            assertEquals(List.of("GROUP", "STATE", "MEMBERS"), List.of(lines.get(0).split("\\s+")));
            assertTrue(lines.stream().anyMatch(l -> l.matches("analytics\\s+EMPTY\\s+0")), out.toString());
            assertTrue(lines.stream().anyMatch(l -> l.matches("settlement\\s+STABLE\\s+1")), out.toString());

            assertEquals(0, run("groups", "list", "--json"), err.toString());
            JsonNode groups = json().get("groups");
            assertEquals(2, groups.size());
            assertEquals("analytics", groups.get(0).get("group").asText());
            assertEquals(1, groups.get(1).get("members").asInt());
        }
    }

    @Test
    void describeShowsOffsetsLagMembersAndEpochs() throws Exception {
        cluster.commitOffset("analytics", P0, 1);
        assertEquals(0, run("groups", "describe", "analytics"), err.toString());
        String text = out.toString();
        assertTrue(text.contains("Group analytics: state EMPTY, group epoch 0"), text);
        assertTrue(text.contains("GROUP      TOPIC   PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG  MEMBER  HOST"), text);
        assertTrue(text.lines().anyMatch(l -> l.matches("analytics\\s+orders\\s+0\\s+1\\s+3\\s+2\\s+-\\s+-")), text);

        try (Consumer member = activeMember("settlement")) {
            assertEquals(0, run("groups", "describe", "settlement", "--json"), err.toString());
            JsonNode group = json();
            assertEquals("STABLE", group.get("state").asText());
            assertTrue(group.get("groupEpoch").asInt() >= 1);
            JsonNode m = group.get("members").get(0);
            assertEquals("/10.0.0.7", m.get("host").asText());
            assertEquals(2, m.get("assigned").size());
            JsonNode partitions = group.get("partitions");
            assertEquals(2, partitions.size());
            assertEquals(m.get("memberId").asText(), partitions.get(0).get("memberId").asText());
            assertTrue(partitions.get(0).get("currentOffset").isNull());
            assertEquals(3, partitions.get(0).get("logEndOffset").asLong());
        }

        assertEquals(1, run("groups", "describe", "nobody"));
        assertTrue(err.toString().contains("group 'nobody' does not exist"), err.toString());
    }

    @Test
    void resetOffsetsIsADryRunUnlessExecuteAndEachModeLandsWhereExpected() throws Exception {
        cluster.commitOffset("analytics", P0, 2);
        assertEquals(0, run("groups", "reset-offsets", "analytics", "--topic", "orders", "--to-earliest"), err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("analytics\\s+orders\\s+0\\s+2\\s+0")), out.toString());
        assertTrue(out.toString().contains("Dry run: nothing changed"), out.toString());
        assertEquals(2L, cluster.committedOffset("analytics", P0));
        assertNull(cluster.committedOffset("analytics", P1));

        assertEquals(0, run("groups", "reset-offsets", "analytics", "--topic", "orders:0", "--shift-by", "-1",
                "--execute"), err.toString());
        assertEquals(1L, cluster.committedOffset("analytics", P0));
        assertNull(cluster.committedOffset("analytics", P1));

        assertEquals(0, run("groups", "reset-offsets", "analytics", "--topic", "orders", "--to-offset", "99",
                "--execute", "--json"), err.toString());
        JsonNode plan = json();
        assertTrue(plan.get("executed").asBoolean());
        assertEquals(1, plan.get("partitions").get(0).get("currentOffset").asLong());
        assertEquals(3, plan.get("partitions").get(0).get("newOffset").asLong()); // kept at the high watermark
        assertEquals(3L, cluster.committedOffset("analytics", P0));
        assertEquals(0L, cluster.committedOffset("analytics", P1));

        assertEquals(0, run("groups", "reset-offsets", "analytics", "--topic", "orders:0", "--to-datetime",
                "1970-01-01T00:00:02Z", "--execute"), err.toString());
        assertEquals(1L, cluster.committedOffset("analytics", P0));

        assertEquals(0, run("groups", "reset-offsets", "analytics", "--topic", "orders:0", "--by-duration", "P1D",
                "--execute"), err.toString());
        assertEquals(3L, cluster.committedOffset("analytics", P0)); // nothing that recent: after everything

        assertEquals(0, run("groups", "reset-offsets", "fresh", "--topic", "orders:0", "--to-latest", "--execute"),
                err.toString());
        assertEquals(3L, cluster.committedOffset("fresh", P0));
    }

    @Test
    void resetDeleteAndDeleteOffsetsAreRefusedWhileTheGroupHasMembers() {
        try (Consumer member = activeMember("settlement")) {
            assertEquals(1, run("groups", "reset-offsets", "settlement", "--topic", "orders", "--to-earliest"));
            assertTrue(err.toString().contains("group 'settlement' has 1 active members; offsets can only be reset "
                    + "while it has none"), err.toString());
            assertNull(cluster.committedOffset("settlement", P0));

            assertEquals(1, run("groups", "delete", "settlement", "--json"));
            assertTrue(err.toString().contains("has active members; stop its consumers first"), err.toString());
            assertTrue(out.toString().contains("\"NON_EMPTY_GROUP\""), out.toString());
            assertTrue(cluster.groupExists("settlement"));

            assertEquals(1, run("groups", "delete-offsets", "settlement", "--topic", "orders"));
            assertTrue(err.toString().contains("still subscribes to topic 'orders'"), err.toString());
        }
    }

    @Test
    void deleteOffsetsAndDeleteRemoveWhatTheyName() throws Exception {
        cluster.commitOffset("analytics", P0, 1);
        cluster.commitOffset("analytics", P1, 0);
        assertEquals(0, run("groups", "delete-offsets", "analytics", "--topic", "orders", "--json"), err.toString());
        assertEquals(2, json().get("offsetsDeleted").asInt());
        assertNull(cluster.committedOffset("analytics", P0));

        assertEquals(0, run("groups", "delete", "analytics"), err.toString());
        assertTrue(out.toString().contains("Deleted group analytics"), out.toString());
        assertFalse(cluster.groupExists("analytics"));
        assertEquals(1, run("groups", "delete", "analytics"));
        assertTrue(err.toString().contains("GROUP_ID_NOT_FOUND"), err.toString());
    }

    @Test
    void badResetArgumentsAreUsageErrors() {
        assertEquals(2, run("groups", "reset-offsets", "g", "--topic", "orders"));
        assertEquals(2, run("groups", "reset-offsets", "g", "--topic", "orders", "--to-earliest", "--to-latest"));
        assertEquals(2, run("groups", "reset-offsets", "g", "--topic", "orders:7", "--to-earliest"));
        assertTrue(err.toString().contains("has 2 partitions (0-1), not 7"), err.toString());
        assertEquals(2, run("groups", "reset-offsets", "g", "--topic", "orders", "--to-datetime", "yesterday"));
        assertTrue(err.toString().contains("is not an ISO-8601 time"), err.toString());
        assertEquals(2, run("groups", "reset-offsets", "g", "--topic", "orders", "--by-duration", "1 day"));
        assertEquals(2, run("consume", "orders", "--group", "g", "--partition", "0"));
    }

    @Test
    void stoppingConsumeWithAGroupLeavesTheGroup() throws Exception {
        Process process = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), WharfCli.class.getName(),
                "consume", "orders", "--group", "stopped", "--bootstrap", cluster.bootstrapString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            org.awaitility.Awaitility.await("wharf consume joins").atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> cluster.groupMembers("stopped") > 0 || !process.isAlive());
            assertTrue(process.isAlive(), "wharf consume exited before joining");
            process.destroy(); // SIGTERM runs the shutdown hooks, as Ctrl-C does
            assertTrue(process.waitFor(20, TimeUnit.SECONDS), "wharf consume did not stop");
            // the fake coordinator never expires a session: only a leave removes the member
            assertEquals(0, cluster.groupMembers("stopped"));
        } finally {
            process.destroyForcibly();
        }
    }

    @Test
    void consumeWithAGroupCommitsWhatItPrintedAndTheNextRunGoesOnFromThere() {
        assertEquals(0, run("consume", "orders", "--group", "readers", "--from-beginning", "--max-messages", "2",
                "--timeout-ms", "5000"), err.toString());
        assertEquals(List.of("at-1000", "at-2000"), out.toString().lines().toList());
        assertEquals(2L, cluster.committedOffset("readers", P0));
        assertEquals(0, cluster.groupMembers("readers"));

        assertEquals(0, run("consume", "orders", "--group", "readers", "--from-beginning", "--max-messages", "1",
                "--timeout-ms", "5000"), err.toString());
        assertEquals(List.of("at-3000"), out.toString().lines().toList());
        assertEquals(3L, cluster.committedOffset("readers", P0));
    }
}
