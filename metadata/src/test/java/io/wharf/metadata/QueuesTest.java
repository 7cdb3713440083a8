package io.wharf.metadata;

import static io.wharf.metadata.Commands.bind;
import static io.wharf.metadata.Commands.declareExchange;
import static io.wharf.metadata.Commands.declareQueue;
import static io.wharf.metadata.Commands.deleteQueue;
import static io.wharf.metadata.Commands.queueExists;
import static io.wharf.metadata.Commands.toExchange;
import static io.wharf.metadata.Commands.toQueue;
import static io.wharf.metadata.ExchangesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RemoveTopicRecord;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class QueuesTest {

    @Test
    void declareCreatesTheQueueAndItsSinglePartitionLog() {
        Cluster cluster = Cluster.withActiveBrokers(5);
        CommandOutcome outcome = cluster.ok(declareQueue("orders", Map.of("x-single-active-consumer", "true")));

        assertEquals(List.of(MetadataRecord.RecordCase.TOPIC, MetadataRecord.RecordCase.PARTITION,
                MetadataRecord.RecordCase.TOPIC_CONFIG, MetadataRecord.RecordCase.QUEUE),
                outcome.records().stream().map(MetadataRecord::getRecordCase).toList());
        QueueImage queue = cluster.image().queue("orders").orElseThrow();
        assertEquals(new QueueImage("orders", QueueCommands.queueId("orders", outcome.result().getOffset()),
                Map.of("x-single-active-consumer", "true"), "__queue.orders"), queue);
        assertTrue(QueueArguments.singleActiveConsumer(queue.arguments()));
        TopicImage log = cluster.image().topic("__queue.orders").orElseThrow();
        assertEquals(1, log.partitions().size());
        assertEquals(3, log.partition(0).orElseThrow().replicas().size(), "RabbitMQ's quorum default of 3");
        assertEquals(Map.of("min.insync.replicas", "2", "retention.ms", "-1", "retention.bytes", "-1",
                "cleanup.policy", "delete", "segment.bytes", "67108864", "max.message.bytes", "16777216"), log.configs());
        assertNotEquals(log.topicId(), queue.queueId());

        QueueInfo info = MetadataViews.toQueueInfo(queue, cluster.image());
        assertEquals("__queue.orders", info.getTopic());
        assertEquals(MetadataViews.toPartitionInfo(log.partition(0).orElseThrow()), info.getPartition());
    }

    @Test
    void logIsPlacedExactlyAsCreateTopicsPlacesATopic() {
        Cluster viaQueue = Cluster.withActiveBrokers(4);
        Cluster viaTopic = Cluster.withActiveBrokers(4);
        viaQueue.ok(declareQueue("q"));
        viaTopic.ok(Commands.createTopics(QueueCommands.logSpec(viaTopic.image(),
                Commands.declareQueue("q").getDeclareQueue()).toBuilder().setName("t").build()));
        assertEquals(viaTopic.partition("t", 0), viaQueue.partition("__queue.q", 0));
    }

    @Test
    void replicationFactorComesFromTheCommandThenTheArgumentAndIsCappedAtTheActiveBrokers() {
        Cluster cluster = Cluster.withActiveBrokers(5);
        cluster.ok(declareQueue("group-size", Map.of("x-quorum-initial-group-size", "5")));
        cluster.ok(declareQueue(DeclareQueueCommand.newBuilder().setName("explicit").setReplicationFactor(1)
                .putArguments("x-quorum-initial-group-size", "5")));
        cluster.ok(declareQueue(DeclareQueueCommand.newBuilder().setName("capped").setReplicationFactor(7)
                .setMinInsyncReplicas(9)));
        assertEquals(5, cluster.partition("__queue.group-size", 0).replicas().size());
        assertEquals(1, cluster.partition("__queue.explicit", 0).replicas().size());
        assertEquals("1", cluster.image().topic("__queue.explicit").orElseThrow().config("min.insync.replicas"));
        assertEquals(5, cluster.partition("__queue.capped", 0).replicas().size());
        assertEquals("5", cluster.image().topic("__queue.capped").orElseThrow().config("min.insync.replicas"));

        Cluster small = Cluster.withActiveBrokers(2);
        small.ok(declareQueue("q"));
        assertEquals(2, small.partition("__queue.q", 0).replicas().size());
    }

    @Test
    void withoutActiveBrokersTheAnswerIsCreateTopics() {
        Cluster cluster = new Cluster();
        cluster.ok(Commands.register(0));
        String message = cluster.rejected(declareQueue("q"), ErrorCode.INVALID_REPLICATION_FACTOR).getError().getMessage();
        String createTopics = cluster.rejected(Commands.createTopic("__queue", 1, 3), ErrorCode.INVALID_REPLICATION_FACTOR)
                .getError().getMessage();
        assertEquals(createTopics.replace("'__queue'", "'__queue.q'"), message);
        assertTrue(cluster.image().queues().isEmpty());
    }

    @Test
    void redeclarationIsIdempotentAndOtherArgumentsAreRefusedNamingTheKey() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(declareQueue("q", Map.of("x-single-active-consumer", "true", "custom", "kept")));
        cluster.unchanged(declareQueue("q", Map.of("x-single-active-consumer", "true", "custom", "kept")));
        // replication settings are not arguments: a redeclaration with others changes nothing
        cluster.unchanged(declareQueue(DeclareQueueCommand.newBuilder().setName("q").setReplicationFactor(1)
                .putArguments("x-single-active-consumer", "true").putArguments("custom", "kept")));
        assertMessage(cluster.rejected(declareQueue("q", Map.of("x-single-active-consumer", "false", "custom", "kept")),
                ErrorCode.PRECONDITION_FAILED), "queue 'q' exists with x-single-active-consumer=true, not false");
        assertMessage(cluster.rejected(declareQueue("q", Map.of("x-single-active-consumer", "true")),
                ErrorCode.PRECONDITION_FAILED), "queue 'q' exists with custom=kept, not (unset)");
    }

    @Test
    void passiveDeclareOnlyChecksExistence() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        assertMessage(cluster.rejected(queueExists("q"), ErrorCode.NOT_FOUND), "queue 'q' does not exist");
        cluster.ok(declareQueue("q"));
        cluster.unchanged(queueExists("q"));
        // a passive declare ignores the arguments, as in RabbitMQ
        cluster.unchanged(declareQueue(DeclareQueueCommand.newBuilder().setName("q").setPassive(true)
                .putArguments("x-message-ttl", "5")));
    }

    @Test
    void namesAreCheckedSoThatTheTopicNameStaysLegal() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        for (String name : List.of("", "a b", "x/y", "a:b", "ü", "a".repeat(201))) {
            cluster.rejected(declareQueue(name), ErrorCode.INVALID_NAME);
        }
        assertMessage(cluster.rejected(declareQueue("a:b"), ErrorCode.INVALID_NAME), "illegal character ':'");
        cluster.ok(declareQueue("a".repeat(200)));
        cluster.ok(declareQueue("Az09._-"));
        assertTrue(TopicNames.isValid(QueueNames.topicFor("a".repeat(200))));
        assertEquals(Optional.of("Az09._-"), QueueNames.queueOf("__queue.Az09._-"));
        assertEquals(Optional.empty(), QueueNames.queueOf("orders"));
    }

    @Test
    void argumentsAreValidated() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        Map<Map<String, String>, String> bad = Map.ofEntries(
                Map.entry(Map.of("x-queue-type", "classic"), "replicated like quorum queues"),
                Map.entry(Map.of("x-single-active-consumer", "yes"), "x-single-active-consumer=yes"),
                Map.entry(Map.of("x-quorum-initial-group-size", "8"), "from 1 to 7"),
                Map.entry(Map.of("x-quorum-initial-group-size", "0"), "from 1 to 7"),
                Map.entry(Map.of("x-quorum-initial-group-size", "two"), "x-quorum-initial-group-size=two"),
                Map.entry(Map.of("x-consumer-timeout", "999"), ">= 1000"),
                Map.entry(Map.of("x-message-ttl", "-1"),
                        "x-message-ttl=-1 is not allowed; use a whole number of milliseconds >= 0"),
                Map.entry(Map.of("x-message-ttl", "1.5"), "x-message-ttl=1.5 is not allowed"),
                Map.entry(Map.of("x-max-length", "-1"),
                        "x-max-length=-1 is not allowed; use a whole number of messages >= 0"),
                Map.entry(Map.of("x-max-length-bytes", "lots"),
                        "x-max-length-bytes=lots is not allowed; use a whole number of body bytes"),
                Map.entry(Map.of("x-overflow", "reject-publish-dlx"), "x-overflow=reject-publish-dlx is not allowed;"
                        + " as with RabbitMQ's quorum queues, use drop-head (the default) or reject-publish"),
                Map.entry(Map.of("x-overflow", "drop-tail"), "x-overflow=drop-tail is not allowed; use drop-head"),
                Map.entry(Map.of("x-delivery-limit", "-2"), "x-delivery-limit=-2 is not allowed; use a whole number"
                        + " of failed deliveries >= 0, or -1 for unlimited (default 20)"),
                Map.entry(Map.of("x-dead-letter-exchange", "bad name"),
                        "x-dead-letter-exchange=bad name is not allowed; use an exchange name"),
                Map.entry(Map.of("x-dead-letter-routing-key", "k"),
                        "x-dead-letter-routing-key=k is not allowed without x-dead-letter-exchange"),
                Map.entry(Map.of("x-dead-letter-exchange", "dlx", "x-dead-letter-strategy", "at-most-once"),
                        "x-dead-letter-strategy=at-most-once is not allowed; Wharf dead-letters at least once only"));
        bad.forEach((arguments, expected) -> assertMessage(cluster.rejected(declareQueue("q", arguments),
                ErrorCode.INVALID_ARGUMENT), expected));
        for (String key : QueueArguments.NOT_SUPPORTED_YET) {
            assertMessage(cluster.rejected(declareQueue("q", Map.of(key, "1")), ErrorCode.INVALID_ARGUMENT),
                    key + "=1 is not supported yet");
        }
        assertEquals(ErrorCode.INVALID_ARGUMENT, CommandProcessor.precheck(declareQueue("q",
                Map.of("x-max-priority", "10"))).get(0).getError().getCode());
        cluster.ok(declareQueue("q", Map.of("x-queue-type", "quorum", "x-single-active-consumer", "false",
                "x-quorum-initial-group-size", "7", "x-consumer-timeout", "1000", "x-unknown", "kept")));
        assertEquals("kept", cluster.image().queue("q").orElseThrow().arguments().get("x-unknown"));
        assertEquals(Optional.of(1000L), QueueArguments.consumerTimeoutMs(cluster.image().queue("q").orElseThrow()
                .arguments()));
    }

    @Test
    void deadLetteringTtlAndLimitArgumentsAreAccepted() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        // The dead-letter exchange need not exist: RabbitMQ drops the dead letters until it does.
        Map<String, String> arguments = Map.of("x-dead-letter-exchange", "nowhere", "x-dead-letter-routing-key", "dead",
                "x-dead-letter-strategy", "at-least-once", "x-message-ttl", "0", "x-max-length", "0",
                "x-max-length-bytes", "1048576", "x-overflow", "reject-publish", "x-delivery-limit", "-1");
        cluster.ok(declareQueue("q", arguments));
        assertEquals(arguments, cluster.image().queue("q").orElseThrow().arguments());
        cluster.ok(declareQueue("r", Map.of("x-dead-letter-exchange", "", "x-overflow", "drop-head",
                "x-delivery-limit", "0")));
    }

    @Test
    void deleteRemovesTheQueueItsBindingsAndItsLog() {
        Cluster cluster = Cluster.withActiveBrokers(3);
        cluster.ok(declareExchange("x", ExchangeType.DIRECT));
        cluster.ok(declareQueue("q"));
        cluster.ok(declareQueue("other"));
        cluster.ok(bind(toQueue("x", "q", "a")));
        cluster.ok(bind(toQueue("amq.direct", "q", "b")));
        cluster.ok(bind(toQueue("x", "other", "a")));
        cluster.ok(bind(toExchange("amq.fanout", "x", "")));

        CommandOutcome outcome = cluster.ok(deleteQueue("q"));

        assertEquals(List.of(MetadataRecord.RecordCase.REMOVE_QUEUE, MetadataRecord.RecordCase.REMOVE_TOPIC),
                outcome.records().stream().map(MetadataRecord::getRecordCase).toList());
        assertTrue(cluster.image().queue("q").isEmpty());
        assertTrue(cluster.image().topic("__queue.q").isEmpty());
        assertEquals(List.of(toExchange("amq.fanout", "x", ""), toQueue("x", "other", "a")), cluster.image().bindings());
        assertMessage(cluster.rejected(deleteQueue("q"), ErrorCode.NOT_FOUND), "queue 'q' does not exist");
        cluster.rejected(deleteQueue("a b"), ErrorCode.INVALID_NAME);
    }

    @Test
    void redeclaredQueueGetsANewId() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(declareQueue("q"));
        String first = cluster.image().queue("q").orElseThrow().queueId();
        cluster.ok(deleteQueue("q"));
        cluster.ok(declareQueue("q"));
        assertNotEquals(first, cluster.image().queue("q").orElseThrow().queueId());
    }

    @Test
    void removingOnlyTheTopicLeavesTheQueueRecord() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(declareQueue("q"));
        TopicImage log = cluster.image().topic("__queue.q").orElseThrow();
        MetadataImage after = cluster.image().apply(MetadataRecordBatch.newBuilder()
                .setOffset(cluster.image().offset() + 1)
                .addRecords(MetadataRecord.newBuilder().setRemoveTopic(RemoveTopicRecord.newBuilder()
                        .setName(log.name()).setTopicId(log.topicId())))
                .build());
        assertTrue(after.topic("__queue.q").isEmpty());
        assertTrue(after.queue("q").isPresent());
    }
}
