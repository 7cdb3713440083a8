package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.ConfigKey;
import io.wharf.config.ConfigKeySet;
import io.wharf.config.TopicConfigKeys;
import io.wharf.controller.ControllerConfigKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * No key name is reused for another purpose (docs/configuration.md, decision typed-configuration):
 * a name is defined once over the controller, broker and topic keys, except the keys every node
 * kind has for the same purpose, and a broker key that supplies a topic key's default is named
 * {@code log.<topic key>}.
 */
class ConfigKeyNamesTest {

    /** This node's id, its data directory and its HTTP port, on a controller as on a broker. */
    private static final Set<String> SHARED_NODE_KEYS = Set.of("node.id", "data.dir", "metrics.port");

    private static final List<ConfigKeySet> ALL = List.of(ControllerConfigKeys.SET, BrokerConfigKeys.SET,
            TopicConfigKeys.SET);

    @Test
    void aNameIsDefinedOnceExceptTheKeysEveryNodeHas() {
        Map<String, List<ConfigKey>> byName = new TreeMap<>();
        for (ConfigKeySet set : ALL) {
            set.keys().forEach(key -> byName.computeIfAbsent(key.name(), name -> new ArrayList<>()).add(key));
        }
        byName.forEach((name, keys) -> {
            if (keys.size() > 1) {
                assertTrue(SHARED_NODE_KEYS.contains(name), name + " is defined " + keys.size() + " times");
                assertEquals(2, keys.size(), name);
                assertTrue(ControllerConfigKeys.SET.key(name).isPresent()
                        && BrokerConfigKeys.SET.key(name).isPresent(), name + " is shared by the node kinds only");
                assertEquals(keys.get(0).type(), keys.get(1).type(), name + " has one type on every node");
            }
        });
        SHARED_NODE_KEYS.forEach(name -> assertEquals(2, byName.get(name).size(), name));
    }

    @Test
    void aBrokerKeyMirrorsATopicKeyOnlyByTheNamingRuleAndWithItsDefault() {
        for (ConfigKey topic : TopicConfigKeys.SET.keys()) {
            String mirror = "log." + topic.name();
            topic.brokerDefaultKey().ifPresent(name -> {
                assertEquals(mirror, name, topic.name() + " falls back to a broker key named by the rule");
                ConfigKey broker = BrokerConfigKeys.SET.key(name).orElseThrow(
                        () -> new AssertionError(name + " is not a broker key"));
                assertEquals(topic.type(), broker.type(), name);
                assertEquals(topic.defaultValue(), broker.defaultValue(), name + " defaults to its topic key's default");
            });
            if (topic.brokerDefaultKey().isEmpty()) {
                assertTrue(BrokerConfigKeys.SET.key(mirror).isEmpty(),
                        mirror + " looks like the broker default of " + topic.name() + ", which names none");
            }
        }
    }
}
