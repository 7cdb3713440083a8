package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

    @Test
    void defaults() {
        assertEquals(Map.of("retention.ms", "604800000", "retention.bytes", "-1", "min.insync.replicas", "1",
                "segment.bytes", "1073741824", "segment.ms", "604800000", "max.message.bytes", "1048588",
                "cleanup.policy", "delete"), TopicConfigs.defaults());
        assertEquals(604800000L, TopicConfigs.effectiveLong(Map.of(), TopicConfigs.RETENTION_MS));
        assertEquals(-1L, TopicConfigs.effectiveLong(Map.of("retention.ms", "-1"), TopicConfigs.RETENTION_MS));
        assertEquals("5", TopicConfigs.withDefaults(Map.of("segment.ms", "5")).get("segment.ms"));
    }

    @Test
    void acceptsLegalValues() {
        Map<String, String> legal = Map.of("retention.ms", "-1", "retention.bytes", "0", "min.insync.replicas", "3",
                "segment.bytes", "14", "segment.ms", "1", "max.message.bytes", "2147483647", "cleanup.policy", "delete");
        assertEquals(Optional.empty(), TopicConfigs.validate(legal, 3));
    }

    @Test
    void rejectsBadValuesNamingKeyValueAndWhatIsAllowed() {
        assertInvalid("retention.ms", "-2", 1);
        assertInvalid("retention.ms", "7d", 1);
        assertInvalid("retention.bytes", "", 1);
        assertInvalid("min.insync.replicas", "0", 3);
        assertInvalid("min.insync.replicas", "4", 3);
        assertInvalid("segment.bytes", "13", 1);
        assertInvalid("segment.bytes", "2147483648", 1);
        assertInvalid("segment.ms", "0", 1);
        assertInvalid("max.message.bytes", "-1", 1);
        assertInvalid("cleanup.policy", "compact", 1);
        assertInvalid("retention.hours", "1", 1);
    }

    private static void assertInvalid(String key, String value, int replicationFactor) {
        Error error = TopicConfigs.validate(Map.of(key, value), replicationFactor).orElseThrow(
                () -> new AssertionError(key + "=" + value + " was accepted"));
        assertEquals(ErrorCode.INVALID_CONFIG, error.getCode());
        assertTrue(error.getMessage().contains(key) && error.getMessage().contains("'" + value + "'")
                || error.getMessage().contains(" " + value + ","), error.getMessage());
        assertTrue(error.getMessage().contains("allowed") || error.getMessage().contains("known"), error.getMessage());
    }
}
