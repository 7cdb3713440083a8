package io.wharf.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.metadata.TopicConfigs;
import io.wharf.proto.metadata.TopicSpec;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How {@code __consumer_offsets} is asked for: compacted, with the broker's segment size, valid for the controllers. */
class OffsetsTopicTest {

    @Test
    void theTopicIsCompactedWithTheConfiguredSegmentsAndNoRetention() {
        TopicSpec spec = OffsetsTopic.spec(50, 3, 104_857_600, 5);
        assertEquals(OffsetsTopic.NAME, spec.getName());
        assertEquals(50, spec.getPartitions());
        assertEquals(3, spec.getReplicationFactor());
        assertEquals(Map.of("cleanup.policy", "compact", "segment.bytes", "104857600", "min.insync.replicas", "2",
                "retention.ms", "-1", "retention.bytes", "-1"), spec.getConfigsMap());
        assertEquals(Optional.empty(), TopicConfigs.validate(spec.getConfigsMap(), spec.getReplicationFactor()),
                "the controllers accept it");
    }

    @Test
    void theReplicationFactorAndMinInsyncReplicasAreCappedAtTheActiveBrokers() {
        TopicSpec spec = OffsetsTopic.spec(3, 3, 1024, 1);
        assertEquals(1, spec.getReplicationFactor());
        assertEquals("1", spec.getConfigsOrThrow("min.insync.replicas"));
        assertEquals("1024", spec.getConfigsOrThrow("segment.bytes"));
    }
}
