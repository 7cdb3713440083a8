package io.wharf.metadata;

import static io.wharf.metadata.Commands.createTopic;
import static io.wharf.metadata.Commands.createTopics;
import static io.wharf.metadata.Commands.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecord;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CreateTopicsTest {

    @Test
    void createsTopicWithPartitionsLedByTheirFirstReplica() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        CommandOutcome outcome = cluster.ok(createTopic("orders", 6, 3));

        assertEquals(List.of("orders"), outcome.result().getItemsList().stream().map(ItemResult::getName).toList());
        assertEquals(MetadataRecord.RecordCase.TOPIC, outcome.records().get(0).getRecordCase());
        assertEquals(7, outcome.records().size(), "one topic record and one per partition, no configs");
        TopicImage topic = cluster.image().topic("orders").orElseThrow();
        assertEquals(6, topic.partitions().size());
        assertEquals(TopicCommands.topicId("orders", outcome.result().getOffset()), topic.topicId());
        for (PartitionState p : topic.partitions().values()) {
            assertEquals(3, new HashSet<>(p.replicas()).size());
            assertEquals(p.replicas(), p.isr());
            assertEquals(p.replicas().get(0), p.leader());
            assertEquals(0, p.leaderEpoch());
            assertEquals(0, p.partitionEpoch());
        }
        assertTrue(topic.configs().isEmpty());
    }

    @Test
    void storesExplicitConfigs() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopics(spec("logs", 1, 2, Map.of("retention.ms", "-1", "min.insync.replicas", "2"))));

        TopicImage topic = cluster.image().topic("logs").orElseThrow();
        assertEquals(Map.of("retention.ms", "-1", "min.insync.replicas", "2"), topic.configs());
        assertEquals("-1", topic.config(TopicConfigKeys.RETENTION_MS.name()));
        assertEquals("1073741824", topic.config(TopicConfigKeys.SEGMENT_BYTES.name()));
    }

    @Test
    void recreatedTopicGetsANewId() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(createTopic("t", 1, 1));
        String first = cluster.image().topic("t").orElseThrow().topicId();
        cluster.ok(Commands.deleteTopics("t"));
        cluster.ok(createTopic("t", 1, 1));
        assertNotEquals(first, cluster.image().topic("t").orElseThrow().topicId());
    }

    @Test
    void rejectsExistingTopic() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(createTopic("t", 1, 1));
        ItemResult item = cluster.rejected(createTopic("t", 2, 1), ErrorCode.TOPIC_ALREADY_EXISTS);
        assertTrue(item.getError().getMessage().contains("'t'"));
        assertEquals(1, cluster.image().topic("t").orElseThrow().partitions().size());
    }

    @Test
    void rejectsInvalidNames() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        for (String name : List.of("", ".", "..", "a b", "ü", "x/y", "a".repeat(250))) {
            cluster.rejected(createTopic(name, 1, 1), ErrorCode.INVALID_TOPIC_NAME);
        }
        cluster.ok(createTopic("a".repeat(249), 1, 1));
        cluster.ok(createTopic("Az09._-", 1, 1));
    }

    @Test
    void rejectsPartitionCountsOutOfRange() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.rejected(createTopic("t", 0, 1), ErrorCode.INVALID_PARTITIONS);
        cluster.rejected(createTopic("t", -3, 1), ErrorCode.INVALID_PARTITIONS);
        cluster.rejected(createTopic("t", StatelessChecks.MAX_PARTITIONS + 1, 1), ErrorCode.INVALID_PARTITIONS);
    }

    @Test
    void rejectsReplicationFactorAboveActiveBrokersNamingHowManyAreActive() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(Commands.fence(2, cluster.epoch(2)));
        ItemResult item = cluster.rejected(createTopic("t", 1, 3), ErrorCode.INVALID_REPLICATION_FACTOR);
        assertTrue(item.getError().getMessage().contains("only 2 brokers are active"), item.getError().getMessage());
        cluster.rejected(createTopic("t", 1, 0), ErrorCode.INVALID_REPLICATION_FACTOR);
        cluster.rejected(createTopic("t", 1, -1), ErrorCode.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void rejectsEveryTopicWhenNoBrokerIsActive() {
        Cluster cluster = new Cluster();
        cluster.ok(Commands.register(0));
        cluster.rejected(createTopic("t", 1, 1), ErrorCode.INVALID_REPLICATION_FACTOR);
    }

    @Test
    void rejectsMalformedConfigsNamingKeyAndValue() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        ItemResult item = cluster.rejected(createTopics(spec("t", 1, 2, Map.of("retention.ms", "week"))),
                ErrorCode.INVALID_CONFIG);
        assertTrue(item.getError().getMessage().contains("retention.ms"));
        assertTrue(item.getError().getMessage().contains("week"));
        cluster.rejected(createTopics(spec("t", 1, 2, Map.of("min.insync.replicas", "3"))), ErrorCode.INVALID_CONFIG);
        cluster.rejected(createTopics(spec("t", 1, 2, Map.of("colour", "blue"))), ErrorCode.INVALID_CONFIG);
    }

    @Test
    void duplicateNamesInOneRequestRejectEveryOccurrence() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        CommandOutcome outcome = cluster.run(createTopics(spec("a", 1, 1), spec("b", 1, 1), spec("a", 2, 1)));

        List<ItemResult> items = outcome.result().getItemsList();
        assertEquals(3, items.size());
        assertEquals(ErrorCode.INVALID_REQUEST, items.get(0).getError().getCode());
        assertFalse(items.get(1).hasError());
        assertEquals(ErrorCode.INVALID_REQUEST, items.get(2).getError().getCode());
        assertEquals(List.of("b"), List.copyOf(cluster.image().topics().keySet()));
    }

    @Test
    void validTopicsAreCreatedWhenOthersInTheRequestFail() {
        Cluster cluster = Cluster.withActiveBrokers(2);
        cluster.ok(createTopic("exists", 1, 1));
        CommandOutcome outcome = cluster.run(createTopics(spec("good", 2, 2), spec("exists", 1, 1),
                spec("bad name", 1, 1), spec("too-wide", 1, 3), spec("also-good", 1, 1)));

        List<ErrorCode> codes = outcome.result().getItemsList().stream().map(i -> i.getError().getCode()).toList();
        assertEquals(List.of(ErrorCode.NONE, ErrorCode.TOPIC_ALREADY_EXISTS, ErrorCode.INVALID_TOPIC_NAME,
                ErrorCode.INVALID_REPLICATION_FACTOR, ErrorCode.NONE), codes);
        assertEquals(List.of("also-good", "exists", "good"), List.copyOf(cluster.image().topics().keySet()));
    }

    @Test
    void sameCommandOnSameImageGivesSameRecords() {
        Cluster cluster = Cluster.withActiveBrokers(5);
        cluster.ok(createTopic("warm", 7, 3));
        MetadataImage image = cluster.image();
        CommandOutcome first = CommandProcessor.process(image, createTopic("t", 12, 3), 100);
        CommandOutcome second = CommandProcessor.process(image, createTopic("t", 12, 3), 100);
        assertEquals(first, second);
    }
}
