package io.wharf.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wharf.client.TopicPartition;
import io.wharf.client.dlq.BlockedKeys;
import io.wharf.client.fake.FakeCluster;
import io.wharf.record.Record;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wharf dlq blocked} and {@code wharf dlq release} against fake brokers on 127.0.0.1:
 * group {@code billing} in ordered mode has blocked key {@code ad-7} of {@code orders} (and a
 * binary key) on {@code billing-dlq-blocked}.
 */
class DlqBlockedKeysCliTest {

    private static final String BLOCKED_TOPIC = BlockedKeys.defaultTopic("billing");
    private static final byte[] BINARY_KEY = {(byte) 0xff, 0};

    @TempDir
    Path clusterDir;
    private final FakeCluster cluster = FakeCluster.network(2);
    private final ObjectMapper mapper = new ObjectMapper();
    private StringWriter out;
    private StringWriter err;

    @BeforeEach
    void setUp() throws Exception {
        cluster.createTopic("orders", 2);
        cluster.createTopic(BLOCKED_TOPIC, 1);
        try (BlockedKeys keys = BlockedKeys.open(cluster.bootstrap(), BLOCKED_TOPIC)) {
            keys.block("orders", utf8("ad-7"), 1, 42L, "timeout");
            keys.block("orders", BINARY_KEY, 0, 3L, "parse");
        }
    }

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private int run(String... args) {
        out = new StringWriter();
        err = new StringWriter();
        return CliCalls.execute(clusterDir, out, err, "", cluster.bootstrapString(), args);
    }

    private JsonNode json() throws Exception {
        return mapper.readTree(out.toString());
    }

    @Test
    void blockedListsEachKeyWithTheRecordThatBlockedIt() throws Exception {
        assertEquals(0, run("dlq", "blocked", "--group", "billing", "--json"), err.toString());
        assertEquals(BLOCKED_TOPIC, json().get("blocked_topic").asText());
        JsonNode blocked = json().get("blocked");
        assertEquals(2, blocked.size(), blocked.toString());
        JsonNode ad = blocked.get(0); // by id: orders/616... sorts before orders/ff00
        assertEquals("orders", ad.get("topic").asText());
        assertEquals("utf-8", ad.get("key_encoding").asText());
        assertEquals("ad-7", ad.get("key").asText());
        assertEquals(1, ad.get("partition").asInt());
        assertEquals(42, ad.get("offset").asLong());
        assertEquals("timeout", ad.get("cause").asText());
        assertTrue(ad.get("blocked_at").asText().endsWith("Z"), ad.toString());
        assertEquals("base64", blocked.get(1).get("key_encoding").asText());
        assertEquals("/wA=", blocked.get(1).get("key").asText());

        assertEquals(0, run("dlq", "blocked", "--blocked-topic", BLOCKED_TOPIC), err.toString());
        assertTrue(out.toString().lines().anyMatch(l -> l.matches("orders\\s+ad-7\\s+1\\s+42\\s+timeout\\s+\\S+Z")),
                out.toString());
        assertTrue(out.toString().contains("base64:/wA="), out.toString());
    }

    @Test
    void releaseWritesTheTombstoneAndSaysWhetherTheKeyWasBlocked() throws Exception {
        assertEquals(0, run("dlq", "release", "--group", "billing", "orders", "ad-7", "--json"), err.toString());
        assertTrue(json().get("was_blocked").asBoolean(), json().toString());
        List<Record> written = cluster.records(new TopicPartition(BLOCKED_TOPIC, 0));
        Record tombstone = written.get(written.size() - 1);
        assertEquals("orders/" + java.util.HexFormat.of().formatHex(utf8("ad-7")),
                new String(tombstone.key(), StandardCharsets.UTF_8));
        assertEquals(null, tombstone.value());

        assertEquals(0, run("dlq", "blocked", "--group", "billing", "--json"), err.toString());
        assertEquals(1, json().get("blocked").size(), json().toString());
        assertEquals("/wA=", json().get("blocked").get(0).get("key").asText());

        assertEquals(0, run("dlq", "release", "--group", "billing", "orders", "ad-7"), err.toString());
        assertTrue(out.toString().contains("Key 'ad-7' of orders was not blocked (billing-dlq-blocked)"),
                out.toString());
    }

    @Test
    void anUnknownGroupNamesWhatToCheck() throws Exception {
        assertEquals(1, run("dlq", "blocked", "--group", "biling", "--json"));
        assertEquals("NO_BLOCKED_KEYS_TOPIC", json().get("error").get("code").asText());
        assertTrue(err.toString().contains("no blocked-keys topic 'biling-dlq-blocked': check --group"),
                err.toString());

        assertEquals(2, run("dlq", "release", "orders", "ad-7"));
        assertTrue(err.toString().contains("name the consumer group with --group G"), err.toString());
        assertFalse(cluster.records(new TopicPartition(BLOCKED_TOPIC, 0)).stream().anyMatch(r -> r.value() == null),
                "nothing released");
    }
}
