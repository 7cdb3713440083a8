package io.wharf.metadata;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.DeleteQueueCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.QueueRecord;
import io.wharf.proto.metadata.RemoveQueueRecord;
import io.wharf.proto.metadata.RemoveTopicRecord;
import io.wharf.proto.metadata.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Turns DeclareQueue and DeleteQueue into records. A queue's log is the single partition of its
 * own topic ({@link QueueNames#topicFor}), created by the same command the way CreateTopics creates
 * a topic, so it is placed, replicated and led like any partition. One item, named by the queue.
 * Stateless.
 */
final class QueueCommands {

    /** The replication factor when neither the command nor x-quorum-initial-group-size gives one (RabbitMQ's quorum default). */
    static final int DEFAULT_REPLICATION_FACTOR = 3;
    /** min.insync.replicas when the command gives none, capped at the replication factor. */
    static final int DEFAULT_MIN_INSYNC_REPLICAS = 2;
    /** Queue logs are consumed and acknowledged, not replayed: smaller segments free acknowledged space sooner. */
    static final String SEGMENT_BYTES = "67108864";
    /**
     * Room for a checkpoint entry, which holds the state of every live message and grows with the
     * backlog; the broker bounds the batches of messages it appends far below this.
     */
    static final String MAX_MESSAGE_BYTES = "16777216";

    private QueueCommands() {
    }

    /**
     * Creates the queue and its log; the same declaration of an existing queue changes nothing, one
     * with other arguments is refused naming the first key that differs. Passive only checks that
     * the queue exists.
     */
    static CommandOutcome declare(MetadataImage image, DeclareQueueCommand command, long offset) {
        String name = command.getName();
        Optional<Error> invalid = StatelessChecks.declareQueue(command);
        if (invalid.isPresent()) {
            return BrokerCommands.rejection(name, invalid.get(), offset);
        }
        Optional<QueueImage> existing = image.queue(name);
        if (command.getPassive()) {
            return existing.isPresent() ? ok(name, offset) : BrokerCommands.rejection(name, notFound(name), offset);
        }
        if (existing.isPresent()) {
            return Redeclaration.firstDifference(existing.get().arguments(), command.getArgumentsMap())
                    .map(d -> BrokerCommands.rejection(name, Errors.of(ErrorCode.PRECONDITION_FAILED,
                            "queue '" + name + "' exists with " + d + "; declare it as it is or delete it first"),
                            offset))
                    .orElseGet(() -> ok(name, offset));
        }
        TopicSpec log = logSpec(image, command);
        Optional<Error> unplaceable = TopicCommands.statefulCreateError(image, log);
        if (unplaceable.isPresent()) {
            return BrokerCommands.rejection(name, unplaceable.get(), offset);
        }
        List<MetadataRecord> records = new ArrayList<>(
                TopicCommands.topicRecords(log, offset, new ReplicaPlacer(image, offset)));
        records.add(MetadataRecord.newBuilder().setQueue(QueueRecord.newBuilder()
                .setName(name)
                .setQueueId(queueId(name, offset))
                .putAllArguments(command.getArgumentsMap())
                .setTopic(log.getName())).build());
        return new CommandOutcome(records, ok(name, offset).result());
    }

    /**
     * The queue's topic: one partition; the command's replication factor, else
     * x-quorum-initial-group-size, else 3, capped at the active brokers (but not to 0, so that with
     * no active broker the answer is CreateTopics' own); kept forever until acknowledged.
     */
    static TopicSpec logSpec(MetadataImage image, DeclareQueueCommand command) {
        int requested = command.getReplicationFactor() > 0 ? command.getReplicationFactor()
                : QueueArguments.initialGroupSize(command.getArgumentsMap()).orElse(DEFAULT_REPLICATION_FACTOR);
        int active = image.activeBrokerIds().size();
        int replicationFactor = active == 0 ? requested : Math.min(requested, active);
        int minInsync = Math.min(command.getMinInsyncReplicas() > 0 ? command.getMinInsyncReplicas()
                : DEFAULT_MIN_INSYNC_REPLICAS, replicationFactor);
        Map<String, String> configs = new TreeMap<>();
        configs.put(TopicConfigKeys.MIN_INSYNC_REPLICAS.name(), Integer.toString(minInsync));
        // a queue deletes messages when they are acknowledged, never by age or size
        configs.put(TopicConfigKeys.RETENTION_MS.name(), "-1");
        configs.put(TopicConfigKeys.RETENTION_BYTES.name(), "-1");
        configs.put(TopicConfigKeys.CLEANUP_POLICY.name(), "delete");
        configs.put(TopicConfigKeys.SEGMENT_BYTES.name(), SEGMENT_BYTES);
        configs.put(TopicConfigKeys.MAX_MESSAGE_BYTES.name(), MAX_MESSAGE_BYTES);
        return TopicSpec.newBuilder()
                .setName(QueueNames.topicFor(command.getName()))
                .setPartitions(1)
                .setReplicationFactor(replicationFactor)
                .putAllConfigs(configs)
                .build();
    }

    /** Removes the queue (its bindings go with the record) and its log's topic. */
    static CommandOutcome delete(MetadataImage image, DeleteQueueCommand command, long offset) {
        String name = command.getName();
        Optional<Error> invalid = QueueNames.validate(name);
        if (invalid.isPresent()) {
            return BrokerCommands.rejection(name, invalid.get(), offset);
        }
        Optional<QueueImage> queue = image.queue(name);
        if (queue.isEmpty()) {
            return BrokerCommands.rejection(name, notFound(name), offset);
        }
        List<MetadataRecord> records = new ArrayList<>();
        records.add(MetadataRecord.newBuilder().setRemoveQueue(RemoveQueueRecord.newBuilder()
                .setName(name).setQueueId(queue.get().queueId())).build());
        image.topic(queue.get().topic()).ifPresent(topic -> records.add(MetadataRecord.newBuilder()
                .setRemoveTopic(RemoveTopicRecord.newBuilder().setName(topic.name()).setTopicId(topic.topicId()))
                .build()));
        return new CommandOutcome(records, ok(name, offset).result());
    }

    /** A queue id that differs between a queue and any later re-declaration of the same name, and from its topic's id. */
    static String queueId(String name, long offset) {
        return UUID.nameUUIDFromBytes(("queue:" + name + "@" + offset).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static Error notFound(String name) {
        return Errors.of(ErrorCode.NOT_FOUND, "queue '" + name + "' does not exist; declare it first");
    }

    private static CommandOutcome ok(String name, long offset) {
        return new CommandOutcome(List.of(), CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(name)).build());
    }
}
