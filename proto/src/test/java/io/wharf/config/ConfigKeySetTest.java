package io.wharf.config;

import static io.wharf.config.ConfigKey.define;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ConfigKeySetTest {

    private static final ConfigKey PORT = define("port", ConfigType.INT).required().between(0, 65535)
            .doc("The port.").build();
    private static final ConfigKey TIMEOUT = define("timeout.ms", ConfigType.LONG).defaultValue(250).atLeast(1)
            .doc("A timeout.").build();
    private static final ConfigKey ENABLED = define("enabled", ConfigType.BOOLEAN).defaultValue(true)
            .doc("On or off.").build();
    private static final ConfigKey HOST = define("host", ConfigType.STRING).defaultValue("127.0.0.1")
            .blankRefused().doc("The host.").build();
    private static final ConfigKey NAME = define("name", ConfigType.STRING).derivedDefault("the host")
            .doc("A name.").build();
    private static final ConfigKey MODE = define("mode", ConfigType.STRING).defaultValue("sync")
            .check(ConfigCheck.oneOf("sync", "lazy")).doc("The mode.").build();
    private static final ConfigKey RATIO = define("ratio", ConfigType.DOUBLE).defaultValue(0.5)
            .check(ConfigCheck.between(0.0, 1.0)).doc("A ratio.").build();
    private static final ConfigKey POLICY = define("policy", ConfigType.LIST).defaultValue("delete")
            .check(ConfigCheck.distinctItemsOf("delete", "compact")).doc("A policy.").build();
    private static final ConfigKey PEERS = define("peers", ConfigType.HOST_PORT_LIST).defaultValue("a:1")
            .doc("Peers.").build();

    private static final ConfigKeySet NODE = ConfigKeySet.forNode("test", List.of(PORT, TIMEOUT, ENABLED, HOST,
            NAME, MODE, RATIO, POLICY, PEERS), "lib.");
    private static final ConfigKeySet TOPIC = ConfigKeySet.forTopic(List.of(TIMEOUT, POLICY));

    @Test
    void absentKeysTakeTheirDefaultsAndGivenOnesAreTyped() {
        ParsedConfig defaults = NODE.parse(Map.of("port", "0"));
        assertEquals(0, defaults.intValue(PORT));
        assertEquals(250L, defaults.longValue(TIMEOUT));
        assertTrue(defaults.booleanValue(ENABLED));
        assertEquals("127.0.0.1", defaults.stringValue(HOST));
        assertEquals(Optional.empty(), defaults.optional(NAME));
        assertEquals(0.5, defaults.doubleValue(RATIO));
        assertEquals(List.of("delete"), defaults.listValue(POLICY));

        ParsedConfig given = NODE.parse(Map.of("port", " 17 ", "timeout.ms", "9", "enabled", "FALSE", "name", "n",
                "mode", "LAZY", "policy", "compact, delete", "peers", "a:1, ,b:2", "lib.x.y", " 8MB "));
        assertEquals(17, given.intValue(PORT));
        assertEquals(9L, given.longValue(TIMEOUT));
        assertFalse(given.booleanValue(ENABLED));
        assertEquals(Optional.of("n"), given.optional(NAME));
        assertEquals("LAZY", given.stringValue(MODE));
        assertEquals(List.of("compact", "delete"), given.listValue(POLICY));
        assertEquals(List.of("a:1", "b:2"), given.listValue(PEERS));
        assertEquals(Map.of("x.y", "8MB"), given.passedThrough());
    }

    @Test
    void aBlankNodeValueMeansUnsetUnlessTheKeyRefusesIt() {
        assertEquals(250L, NODE.parse(Map.of("port", "1", "timeout.ms", " ")).longValue(TIMEOUT));
        assertEquals("is required; allowed: 0 to 65535", problem(NODE, Map.of("port", "")));
        assertEquals("is blank", problem(NODE, Map.of("port", "1", "host", " ")));
        assertEquals("'' is not a whole number; allowed: 1 to 9223372036854775807",
                problem(TOPIC, Map.of("timeout.ms", " ")), "a topic's blank value is a value");
    }

    @Test
    void everyProblemNamesTheScopeTheKeyTheValueAndWhatIsAllowed() {
        InvalidConfigException e = assertThrows(InvalidConfigException.class,
                () -> NODE.parse(Map.of("port", "70000")));
        assertEquals("invalid test config 'port': '70000' is out of range; allowed: 0 to 65535", e.getMessage());
        assertEquals("port", e.key());
        assertEquals("test", e.scope());
        assertEquals("'9999999999' is out of range; allowed: 0 to 65535", problem(NODE, Map.of("port", "9999999999")));
        assertEquals("'x' is not a whole number; allowed: 1 to 9223372036854775807",
                problem(NODE, Map.of("port", "1", "timeout.ms", "x")));
        assertEquals("'0' is out of range; allowed: 1 to 9223372036854775807",
                problem(NODE, Map.of("port", "1", "timeout.ms", "0")));
        assertEquals("'yes' is not true or false", problem(NODE, Map.of("port", "1", "enabled", "yes")));
        assertEquals("'often' is not one of the choices; allowed: sync or lazy",
                problem(NODE, Map.of("port", "1", "mode", "often")));
        assertEquals("'NaN' is out of range; allowed: a decimal from 0.0 to 1.0",
                problem(NODE, Map.of("port", "1", "ratio", "NaN")));
        assertEquals("'half' is not a decimal number; allowed: a decimal from 0.0 to 1.0",
                problem(NODE, Map.of("port", "1", "ratio", "half")));
        for (String policy : List.of("delete,delete", "compact,", "Compact", "")) {
            assertTrue(problem(TOPIC, Map.of("policy", policy)).startsWith("'" + policy.trim() + "' is"), policy);
        }
    }

    @Test
    void unknownKeysAreRefusedButThePrefixPassesThrough() {
        assertEquals("unknown key (value '1'); known test keys: port, timeout.ms, enabled, host, name, mode, ratio,"
                + " policy, peers, and any key starting with lib.", problem(NODE, Map.of("port", "1", "prot", "1")));
        assertEquals("needs a key after the prefix lib.", problem(NODE, Map.of("port", "1", "lib.", "1")));
        assertEquals(Map.of(), TOPIC.parseIgnoringUnknown(Map.of("other", "x")).passedThrough());
        assertEquals(9L, TOPIC.parseIgnoringUnknown(Map.of("other", "x", "timeout.ms", "9")).longValue(TIMEOUT));
    }

    @Test
    void aKeyIsDefinedOnceWithADefaultThatPassesItsOwnCheck() {
        assertThrows(IllegalArgumentException.class, () -> ConfigKeySet.forTopic(List.of(TIMEOUT, TIMEOUT)));
        ConfigKey bad = define("bad", ConfigType.INT).defaultValue(0).atLeast(1).doc("Bad.").build();
        assertThrows(InvalidConfigException.class, () -> ConfigKeySet.forTopic(List.of(bad)));
        assertThrows(IllegalArgumentException.class, () -> define("undocumented", ConfigType.INT).build());
        assertThrows(IllegalStateException.class, () -> TOPIC.parse(Map.of()).intValue(PORT), "not of this set");
    }

    @Test
    void theDocTableHasOneRowPerKey() {
        String table = ConfigDocTable.render(TopicConfigKeys.SET);
        assertTrue(table.startsWith("| key | type | default | allowed | dynamic | meaning |\n|---|"), table);
        assertTrue(table.contains("| `retention.ms` | long | the broker's `log.retention.ms` (`604800000`) | -1 to "
                + Long.MAX_VALUE + " | yes | "), table);
        assertEquals(TopicConfigKeys.SET.keys().size() + 2, table.split("\n").length);
    }

    @Test
    void theExitReportIsTheSameOnEveryNode() {
        InvalidConfigException e = new InvalidConfigException("broker", "rpc.port", "is required");
        assertEquals("broker: invalid broker config 'rpc.port': is required" + System.lineSeparator() + "usage: X",
                ConfigExit.report("broker", e, "usage: X"));
    }

    private static String problem(ConfigKeySet keys, Map<String, String> values) {
        InvalidConfigException e = assertThrows(InvalidConfigException.class, () -> keys.parse(values));
        String prefix = "invalid " + keys.scope() + " config '" + e.key() + "': ";
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        return e.getMessage().substring(prefix.length());
    }
}
