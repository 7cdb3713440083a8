package io.wharf.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TopicConfigsTest {

    @Test
    void defaults() {
        assertEquals(Map.ofEntries(Map.entry("retention.ms", "604800000"), Map.entry("retention.bytes", "-1"),
                Map.entry("min.insync.replicas", "1"), Map.entry("segment.bytes", "1073741824"),
                Map.entry("segment.ms", "604800000"), Map.entry("max.message.bytes", "1048588"),
                Map.entry("cleanup.policy", "delete"), Map.entry("min.cleanable.dirty.ratio", "0.5"),
                Map.entry("min.compaction.lag.ms", "0"), Map.entry("max.compaction.lag.ms", "9223372036854775807"),
                Map.entry("delete.retention.ms", "86400000")), TopicConfigs.defaults());
        assertEquals(604800000L, TopicConfigs.effectiveLong(Map.of(), TopicConfigKeys.RETENTION_MS.name()));
        assertEquals(-1L, TopicConfigs.effectiveLong(Map.of("retention.ms", "-1"), TopicConfigKeys.RETENTION_MS.name()));
        assertEquals("5", TopicConfigs.withDefaults(Map.of("segment.ms", "5")).get("segment.ms"));
    }

    @Test
    void acceptsLegalValues() {
        Map<String, String> legal = Map.of("retention.ms", "-1", "retention.bytes", "0", "min.insync.replicas", "3",
                "segment.bytes", "128", "segment.ms", "1", "max.message.bytes", "2147483647", "cleanup.policy", "delete");
        assertEquals(Optional.empty(), TopicConfigs.validate(legal, 3));
    }

    @Test
    void acceptsEveryCleanupPolicyKafkaDoesAndTheCompactionKeys() {
        for (String policy : List.of("delete", "compact", "compact,delete", "delete,compact", "compact, delete")) {
            assertEquals(Optional.empty(), TopicConfigs.validate(Map.of("cleanup.policy", policy), 1), policy);
        }
        Map<String, String> compaction = Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0",
                "min.compaction.lag.ms", "60000", "max.compaction.lag.ms", "60000", "delete.retention.ms", "0");
        assertEquals(Optional.empty(), TopicConfigs.validate(compaction, 1));
        assertEquals(Optional.empty(), TopicConfigs.validate(Map.of("min.cleanable.dirty.ratio", "1",
                "max.compaction.lag.ms", "1"), 1));
        assertEquals(Optional.empty(), TopicConfigs.validate(Map.of("min.cleanable.dirty.ratio", "0.25",
                "min.compaction.lag.ms", "9223372036854775807"), 1), "below the default maximum lag");
    }

    @Test
    void rejectsBadValuesNamingKeyValueAndWhatIsAllowed() {
        assertInvalid("retention.ms", "-2", 1);
        assertInvalid("retention.ms", "7d", 1);
        assertInvalid("retention.bytes", "", 1);
        assertInvalid("min.insync.replicas", "0", 3);
        assertInvalid("min.insync.replicas", "4", 3);
        assertInvalid("segment.bytes", "127", 1);
        assertInvalid("segment.bytes", "2147483648", 1);
        assertInvalid("segment.ms", "0", 1);
        assertInvalid("max.message.bytes", "-1", 1);
        assertInvalid("cleanup.policy", "compaction", 1);
        assertInvalid("cleanup.policy", "Compact", 1);
        assertInvalid("cleanup.policy", "", 1);
        assertInvalid("cleanup.policy", "compact,", 1);
        assertInvalid("cleanup.policy", "delete,delete", 1);
        assertInvalid("cleanup.policy", "compact,delete,compact", 1);
        assertInvalid("min.cleanable.dirty.ratio", "1.5", 1);
        assertInvalid("min.cleanable.dirty.ratio", "-0.1", 1);
        assertInvalid("min.cleanable.dirty.ratio", "NaN", 1);
        assertInvalid("min.cleanable.dirty.ratio", "half", 1);
        assertInvalid("min.compaction.lag.ms", "-1", 1);
        assertInvalid("min.compaction.lag.ms", "1h", 1);
        assertInvalid("max.compaction.lag.ms", "0", 1);
        assertInvalid("max.compaction.lag.ms", "9223372036854775808", 1);
        assertInvalid("delete.retention.ms", "-1", 1);
        assertInvalid("retention.hours", "1", 1);
    }

    @Test
    void theMinimumCompactionLagMayNotExceedTheMaximum() {
        Error error = TopicConfigs.validate(Map.of("min.compaction.lag.ms", "5000", "max.compaction.lag.ms", "4999"), 1)
                .orElseThrow(() -> new AssertionError("a minimum lag above the maximum was accepted"));
        assertEquals(ErrorCode.INVALID_CONFIG, error.getCode());
        assertTrue(error.getMessage().contains("min.compaction.lag.ms") && error.getMessage().contains("5000")
                && error.getMessage().contains("max.compaction.lag.ms 4999"), error.getMessage());
        assertTrue(TopicConfigs.validate(Map.of("max.compaction.lag.ms", "4999"), 1).isEmpty(),
                "the default minimum lag is 0");
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
