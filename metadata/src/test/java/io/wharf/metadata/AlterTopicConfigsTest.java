package io.wharf.metadata;

import static io.wharf.metadata.Commands.alterConfigs;
import static io.wharf.metadata.Commands.createTopics;
import static io.wharf.metadata.Commands.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class AlterTopicConfigsTest {

    private Cluster cluster;

    @BeforeEach
    void topicWithOneConfig() {
        cluster = Cluster.withActiveBrokers(3);
        cluster.ok(createTopics(spec("t", 2, 3, Map.of("retention.ms", "1000"))));
    }

    private Map<String, String> configs() {
        return cluster.image().topic("t").orElseThrow().configs();
    }

    @Test
    void setsReplacesAndDeletesKeys() {
        cluster.ok(alterConfigs("t", Map.of("retention.ms", "5000", "min.insync.replicas", "2")));
        assertEquals(Map.of("retention.ms", "5000", "min.insync.replicas", "2"), configs());

        cluster.ok(alterConfigs("t", Map.of("segment.bytes", "1048576"), "retention.ms"));
        assertEquals(Map.of("min.insync.replicas", "2", "segment.bytes", "1048576"), configs());
        assertEquals(String.valueOf(7L * 24 * 60 * 60 * 1000),
                cluster.image().topic("t").orElseThrow().config(TopicConfigKeys.RETENTION_MS.name()), "back to the default");
    }

    @Test
    void anUnchangedResultEmitsNothingAndDeletingAnUnsetKeyIsAllowed() {
        assertTrue(cluster.ok(alterConfigs("t", Map.of("retention.ms", "1000"))).records().isEmpty());
        assertTrue(cluster.ok(alterConfigs("t", Map.of(), "segment.bytes")).records().isEmpty());
    }

    @Test
    void badInputIsRefusedNamingWhatToFixAndChangesNothing() {
        ItemResult unknownKey = cluster.rejected(alterConfigs("t", Map.of("retention.hours", "1")),
                ErrorCode.INVALID_CONFIG);
        assertTrue(unknownKey.getError().getMessage().contains("retention.hours"), unknownKey.toString());
        ItemResult tooMany = cluster.rejected(alterConfigs("t", Map.of("min.insync.replicas", "4")),
                ErrorCode.INVALID_CONFIG);
        assertTrue(tooMany.getError().getMessage().contains("replication factor 3"), tooMany.toString());
        cluster.rejected(alterConfigs("t", Map.of("retention.ms", "soon")), ErrorCode.INVALID_CONFIG);
        cluster.rejected(alterConfigs("t", Map.of("retention.ms", "1"), "retention.ms"), ErrorCode.INVALID_CONFIG);
        cluster.rejected(alterConfigs("nope", Map.of("retention.ms", "1")), ErrorCode.UNKNOWN_TOPIC);
        assertEquals(Map.of("retention.ms", "1000"), configs());
    }
}
