package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.client.TopicPartition;
import io.wharf.client.fake.FakeCluster;
import io.wharf.client.producer.Murmur2;
import io.wharf.record.Record;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wharf produce} and {@code wharf consume} end to end against fake brokers on 127.0.0.1. */
class ProduceConsumeCliTest {

    @TempDir
    Path clusterDir;
    private final FakeCluster cluster = FakeCluster.network(2);
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void setUp() {
        cluster.createTopic("orders", 3);
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private int run(String stdin, String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return CliCalls.execute(clusterDir, out, err, stdin, cluster.bootstrapString(), args);
    }

    private static String utf8(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void producedLinesLandOnTheKeysPartitionsAndConsumeReadsThemBack() throws Exception {
        assertEquals(0, run("a:one\nb:two\na:three\n", "produce", "orders", "--key-separator", ":"), err.toString());
        int partitionOfA = Murmur2.partitionForKey("a".getBytes(StandardCharsets.UTF_8), 3);
        List<Record> records = cluster.records(new TopicPartition("orders", partitionOfA));
        assertEquals(List.of("one", "three"), records.stream().map(r -> utf8(r.value())).toList());
        assertEquals("a", utf8(records.get(0).key()));

        assertEquals(0, run("", "consume", "orders", "--from-beginning", "--max-messages", "3", "--timeout-ms", "5000"),
                err.toString());
        assertEquals(List.of("one", "three", "two"), out.toString().lines().sorted().toList());
        assertTrue(err.toString().contains("Processed a total of 3 messages"), err.toString());
    }

    @Test
    void consumeJsonPrintsOneObjectPerRecord() throws Exception {
        assertEquals(0, run("x\ny\nz\n", "produce", "orders", "--key", "k", "--acks", "1"), err.toString());
        int partition = Murmur2.partitionForKey("k".getBytes(StandardCharsets.UTF_8), 3);
        assertEquals(0, run("", "consume", "orders", "--partition", String.valueOf(partition), "--offset", "1",
                "--max-messages", "2", "--timeout-ms", "5000", "--json"), err.toString());
        List<String> lines = out.toString().lines().toList();
        assertEquals(2, lines.size(), out.toString());
        JsonNode first = new ObjectMapper().readTree(lines.get(0));
        assertEquals("orders", first.get("topic").asText());
        assertEquals(partition, first.get("partition").asInt());
        assertEquals(1, first.get("offset").asLong());
        assertEquals("k", first.get("key").asText());
        assertEquals("y", first.get("value").asText());
        assertTrue(first.get("timestamp").asLong() > 0);
        assertTrue(first.get("headers").isArray());
    }

    @Test
    void consumeStopsAfterTheTimeoutAndFailsWhenMaxMessagesWasNotReached() {
        assertEquals(0, run("only\n", "produce", "orders", "--partition", "0"), err.toString());
        assertEquals(1, run("", "consume", "orders", "--from-beginning", "--max-messages", "5", "--timeout-ms", "2000"));
        assertEquals("only", out.toString().trim());
        assertTrue(err.toString().contains("only 1 of 5 messages arrived"), err.toString());
        assertEquals(0, run("", "consume", "orders", "--from-beginning", "--timeout-ms", "2000"));
    }

    @Test
    void produceFailsWhenLinesAreNotAcknowledged() {
        cluster.holdHighWatermark(true);
        assertEquals(1, run("a\nb\n", "produce", "orders", "--timeout", "1"));
        assertTrue(err.toString().contains("2 of 2 lines were not acknowledged"), err.toString());
        assertTrue(err.toString().contains("REQUEST_TIMED_OUT"), err.toString());
    }

    @Test
    void produceRejectsALineWithoutTheSeparatorButSendsTheOthers() {
        assertEquals(1, run("a:1\nnoseparator\n", "produce", "orders", "--key-separator", ":"));
        assertTrue(err.toString().contains("1 of 2 lines were not acknowledged; first: line 2 has no key separator ':'"),
                err.toString());
    }

    @Test
    void badInputIsAUsageErrorAndAnUnknownTopicAFailure() {
        assertEquals(2, run("", "produce", "orders", "--key", "k", "--key-separator", ":"));
        assertEquals(2, run("", "produce", "orders", "--acks", "2"));
        assertTrue(err.toString().contains("acks must be all, -1, 1 or 0"), err.toString());
        assertEquals(2, run("", "consume", "orders", "--offset", "3"));
        assertTrue(err.toString().contains("--offset needs --partition"), err.toString());
        assertEquals(1, run("a\n", "produce", "missing", "--timeout", "1"));
        assertTrue(err.toString().contains("UNKNOWN_TOPIC"), err.toString());
        assertEquals(1, run("", "consume", "orders", "--partition", "7", "--timeout-ms", "100"));
        assertTrue(err.toString().contains("has 3 partitions"), err.toString());
    }
}
