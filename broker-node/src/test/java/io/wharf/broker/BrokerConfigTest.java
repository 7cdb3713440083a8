package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.partition.CleanerSettings;
import io.wharf.config.ConfigKey;
import io.wharf.config.InvalidConfigException;
import io.wharf.replication.log.RetentionPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BrokerConfigTest {

    private static Map<String, String> minimal() {
        Map<String, String> values = new HashMap<>();
        values.put("node.id", "3");
        values.put("rpc.port", "17203");
        values.put("controller.bootstrap", "127.0.0.1:17001, 127.0.0.1:17002,127.0.0.1:17003");
        return values;
    }

    @Test
    void minimalConfigTakesTheDocumentedDefaults() {
        BrokerConfig config = BrokerConfig.from(minimal());
        assertEquals(3, config.nodeId());
        assertEquals(17203, config.rpcPort());
        assertEquals("127.0.0.1", config.listenHost());
        assertEquals("127.0.0.1", config.advertisedHost());
        assertEquals(Path.of("./data/broker-3"), config.dataDir());
        assertEquals("", config.rack());
        assertEquals(List.of(new HostPort("127.0.0.1", 17001), new HostPort("127.0.0.1", 17002),
                new HostPort("127.0.0.1", 17003)), config.controllerBootstrap());
        assertEquals(Duration.ofMillis(250), config.heartbeatInterval());
        assertEquals(Duration.ofMillis(1000), config.controllerRequestTimeout());
        assertEquals(Duration.ofMillis(100), config.controllerRetryBackoff());
        assertEquals(Duration.ofMillis(10_000), config.controlledShutdownTimeout());
        assertEquals(Duration.ofMillis(5000), config.highWatermarkCheckpointInterval());
        assertEquals(Duration.ofMillis(300_000), config.logRetentionCheckInterval());
        assertEquals(new RetentionPolicy(168L * 60 * 60 * 1000, -1), config.defaultRetention());
        assertEquals(new CleanerSettings(true, 134_217_728L, OptionalLong.empty(), Duration.ofMillis(15_000)),
                config.cleaner(), "Kafka's defaults; no I/O limit");
        assertEquals(104_857_600, config.groupCoordinator().offsetsTopicSegmentBytes());
        assertEquals(-1, config.metricsPort(), "no metrics endpoint unless asked for");
    }

    @Test
    void advertisedHostDefaultsToTheListenHost() {
        Map<String, String> values = minimal();
        values.put("listen.host", "10.1.2.3");
        assertEquals("10.1.2.3", BrokerConfig.from(values).advertisedHost());
        values.put("advertised.host", "broker-3.example");
        assertEquals("broker-3.example", BrokerConfig.from(values).advertisedHost());
    }

    @Test
    void missingRequiredKeysAreNamed() {
        for (String key : List.of("node.id", "rpc.port", "controller.bootstrap")) {
            Map<String, String> values = minimal();
            values.remove(key);
            InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> BrokerConfig.from(values));
            assertEquals(key, e.key());
            assertTrue(e.getMessage().contains(key) && e.getMessage().contains("required"), e.getMessage());
        }
    }

    @Test
    void malformedValuesAreNamed() {
        assertInvalid("node.id", "-1");
        assertInvalid("node.id", "one");
        assertInvalid("rpc.port", "70000");
        assertInvalid("broker.heartbeat.interval.ms", "0");
        assertInvalid("broker.heartbeat.interval.ms", "fast");
        assertInvalid("controller.request.timeout.ms", "-5");
        assertInvalid("controller.retry.backoff.ms", "0");
        assertInvalid("controlled.shutdown.timeout.ms", "soon");
        assertInvalid("controller.bootstrap", "127.0.0.1");
        assertInvalid("controller.bootstrap", "host:notaport");
        assertInvalid("controller.bootstrap", " , ");
        assertInvalid("controller.bootstrap", "127.0.0.1:0");
        assertInvalid("listen.host", " ");
        assertInvalid("replica.high.watermark.checkpoint.interval.ms", "0");
        assertInvalid("replica.high.watermark.checkpoint.interval.ms", "often");
        assertInvalid("log.retention.check.interval.ms", "0");
        assertInvalid("log.retention.ms", "-2");
        assertInvalid("log.retention.bytes", "-2");
        assertInvalid("log.retention.bytes", "1GB");
        assertInvalid("log.cleaner.enable", "yes");
        assertInvalid("log.cleaner.dedupe.buffer.size", "1023");
        assertInvalid("log.cleaner.dedupe.buffer.size", "2147483648");
        assertInvalid("log.cleaner.io.max.bytes.per.second", "0");
        assertInvalid("log.cleaner.io.max.bytes.per.second", "-1");
        assertInvalid("log.cleaner.io.max.bytes.per.second", "10MB");
        assertInvalid("log.cleaner.backoff.ms", "0");
        assertInvalid("offsets.topic.segment.bytes", "127");
    }

    @Test
    void theLogCleanerCanBeLimitedOrTurnedOff() {
        Map<String, String> values = minimal();
        values.put("log.cleaner.enable", "FALSE");
        values.put("log.cleaner.dedupe.buffer.size", "1024");
        values.put("log.cleaner.io.max.bytes.per.second", "10485760");
        values.put("log.cleaner.backoff.ms", "50");
        values.put("offsets.topic.segment.bytes", "1048576");
        BrokerConfig config = BrokerConfig.from(values);
        assertEquals(new CleanerSettings(false, 1024, OptionalLong.of(10_485_760), Duration.ofMillis(50)),
                config.cleaner());
        assertEquals(1_048_576, config.groupCoordinator().offsetsTopicSegmentBytes());
        assertTrue(config.toString().contains("log.cleaner.io.max.bytes.per.second=10485760"), config.toString());
    }

    @Test
    void brokerRetentionDefaultsAcceptMinusOneForNoLimit() {
        Map<String, String> values = minimal();
        values.put("log.retention.ms", "-1");
        values.put("log.retention.bytes", "1073741824");
        values.put("log.retention.check.interval.ms", "100");
        BrokerConfig config = BrokerConfig.from(values);
        assertEquals(new RetentionPolicy(-1, 1073741824L), config.defaultRetention());
        assertEquals(Duration.ofMillis(100), config.logRetentionCheckInterval());
    }

    @Test
    void aWildcardAddressCannotBeAdvertised() {
        Map<String, String> values = minimal();
        values.put("listen.host", "0.0.0.0");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> BrokerConfig.from(values));
        assertEquals("advertised.host", e.key());
        values.put("advertised.host", "192.168.1.7");
        assertEquals("0.0.0.0", BrokerConfig.from(values).listenHost());
    }

    @Test
    void portZeroMeansEphemeral() {
        Map<String, String> values = minimal();
        values.put("rpc.port", "0");
        assertEquals(0, BrokerConfig.from(values).rpcPort());
    }

    @Test
    void metricsPortTakesAPortZeroForEphemeralOrMinusOneForNone() {
        Map<String, String> values = minimal();
        for (String port : List.of("-1", "0", "1", "17301", "65535")) {
            values.put("metrics.port", port);
            assertEquals(Integer.parseInt(port), BrokerConfig.from(values).metricsPort());
        }
        for (String bad : List.of("-2", "65536", "9999999999", "http", "17301.5")) {
            assertInvalid("metrics.port", bad);
        }
        values.put("metrics.port", "70000");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> BrokerConfig.from(values));
        assertEquals("invalid broker config 'metrics.port': '70000' is out of range; allowed: -1 to 65535",
                e.getMessage());
    }

    @Test
    void unknownKeysAreRefusedAsOnAController() {
        Map<String, String> values = minimal();
        values.put("hearbeat.interval.ms", "100");
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> BrokerConfig.from(values));
        assertEquals("hearbeat.interval.ms", e.key());
        assertTrue(e.getMessage().startsWith("invalid broker config 'hearbeat.interval.ms': unknown key (value '100');"
                + " known broker keys: node.id, "), e.getMessage());
    }

    @Test
    void fileValuesAreOverriddenByFlags(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("broker.properties");
        Files.writeString(file, "node.id=1\nrpc.port=17201\ncontroller.bootstrap=127.0.0.1:17001\nrack=r1\n");
        BrokerConfig config = BrokerMain.parse(new String[] {"--config", file.toString(), "--set", "rack=r2",
                "--set=broker.heartbeat.interval.ms=100"});
        assertEquals(1, config.nodeId());
        assertEquals("r2", config.rack());
        assertEquals(Duration.ofMillis(100), config.heartbeatInterval());
    }

    @Test
    void badArgumentsAreExplained(@TempDir Path dir) {
        IllegalArgumentException noConfig = assertThrows(IllegalArgumentException.class,
                () -> BrokerMain.parse(new String[] {"--set", "rack=r1"}));
        assertTrue(noConfig.getMessage().contains("--config"), noConfig.getMessage());
        IllegalArgumentException badSet = assertThrows(IllegalArgumentException.class,
                () -> BrokerMain.parse(new String[] {"--config", "x", "--set", "rack"}));
        assertTrue(badSet.getMessage().contains("key=value"), badSet.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> BrokerMain.parse(new String[] {"--verbose", "yes"}));
        assertTrue(unknown.getMessage().contains("--verbose"), unknown.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> BrokerMain.parse(new String[] {"--config", dir.resolve("absent.properties").toString()}));
        assertTrue(missing.getMessage().contains("absent.properties"), missing.getMessage());
    }

    @Test
    void hostPortParsesIpv6AndRejectsGarbage() {
        assertEquals(new HostPort("::1", 17001), HostPort.parse("[::1]:17001"));
        assertEquals("[::1]:17001", new HostPort("::1", 17001).toString());
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(":17001"));
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse("host:"));
    }

    /** deploy/config/broker.properties documents every key, and loads as it stands. */
    @Test
    void theTemplateDocumentsEveryKey() throws IOException {
        Path template = Path.of("..", "deploy", "config", "broker.properties");
        Set<String> documented = new TreeSet<>();
        for (String line : Files.readAllLines(template)) {
            Matcher key = Pattern.compile("^#?([a-z.]+)=").matcher(line);
            if (key.find()) {
                documented.add(key.group(1));
            }
        }
        assertEquals(new TreeSet<>(BrokerConfigKeys.SET.keys().stream().map(ConfigKey::name).toList()), documented);
        BrokerConfig config = BrokerConfig.load(template, Map.of());
        assertEquals(17201, config.rpcPort());
        assertEquals(17301, config.metricsPort());
    }

    private static void assertInvalid(String key, String value) {
        Map<String, String> values = minimal();
        values.put(key, value);
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> BrokerConfig.from(values),
                key + "=" + value);
        assertEquals(key, e.key(), e.getMessage());
    }
}
