package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.AlterTopicConfigsCommand;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.PartitionRecord;
import io.wharf.proto.metadata.RemoveTopicRecord;
import io.wharf.proto.metadata.TopicConfigRecord;
import io.wharf.proto.metadata.TopicRecord;
import io.wharf.proto.metadata.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/** Turns CreateTopics and DeleteTopics into records, each topic on its own. Stateless. */
final class TopicCommands {

    private TopicCommands() {
    }

    static CommandOutcome create(MetadataImage image, CreateTopicsCommand command, long offset) {
        List<Optional<Error>> stateless = StatelessChecks.createTopics(command);
        ReplicaPlacer placer = new ReplicaPlacer(image, offset);
        List<MetadataRecord> records = new ArrayList<>();
        CommandResult.Builder result = CommandResult.newBuilder().setOffset(offset);
        for (int i = 0; i < command.getTopicsCount(); i++) {
            TopicSpec spec = command.getTopics(i);
            Optional<Error> error = stateless.get(i).or(() -> statefulCreateError(image, spec));
            if (error.isPresent()) {
                result.addItems(Errors.failed(spec.getName(), error.get()));
                continue;
            }
            records.addAll(topicRecords(spec, offset, placer));
            result.addItems(Errors.ok(spec.getName()));
        }
        return new CommandOutcome(records, result.build());
    }

    /** The checks of one topic that need the image; shared with DeclareQueue, which creates its log this way. */
    static Optional<Error> statefulCreateError(MetadataImage image, TopicSpec spec) {
        if (image.topic(spec.getName()).isPresent()) {
            return Optional.of(Errors.of(ErrorCode.TOPIC_ALREADY_EXISTS,
                    "topic '" + spec.getName() + "' already exists; choose another name or delete it first"));
        }
        List<Integer> active = image.activeBrokerIds();
        if (spec.getReplicationFactor() > active.size()) {
            return Optional.of(Errors.of(ErrorCode.INVALID_REPLICATION_FACTOR,
                    "topic '" + spec.getName() + "' asks for replication factor " + spec.getReplicationFactor()
                            + " but only " + active.size() + " brokers are active " + active
                            + "; use at most " + active.size() + " or start more brokers"));
        }
        return Optional.empty();
    }

    /** The records of one new topic (placed by {@code placer}); its checks passed. */
    static List<MetadataRecord> topicRecords(TopicSpec spec, long offset, ReplicaPlacer placer) {
        List<MetadataRecord> records = new ArrayList<>();
        String name = spec.getName();
        records.add(MetadataRecord.newBuilder()
                .setTopic(TopicRecord.newBuilder().setName(name).setTopicId(topicId(name, offset)))
                .build());
        for (int p = 0; p < spec.getPartitions(); p++) {
            List<Integer> replicas = placer.place(spec.getReplicationFactor());
            records.add(MetadataRecord.newBuilder()
                    .setPartition(PartitionRecord.newBuilder()
                            .setTopic(name)
                            .setPartition(p)
                            .addAllReplicas(replicas)
                            .addAllIsr(replicas)
                            .setLeader(replicas.get(0))
                            .setLeaderEpoch(0)
                            .setPartitionEpoch(0))
                    .build());
        }
        if (spec.getConfigsCount() > 0) {
            records.add(MetadataRecord.newBuilder()
                    .setTopicConfig(TopicConfigRecord.newBuilder().setTopic(name).putAllConfigs(spec.getConfigsMap()))
                    .build());
        }
        return records;
    }

    /** A topic id that differs between a topic and any later re-creation of the same name. */
    static String topicId(String name, long offset) {
        return UUID.nameUUIDFromBytes((name + "@" + offset).getBytes(StandardCharsets.UTF_8)).toString();
    }

    static CommandOutcome delete(MetadataImage image, DeleteTopicsCommand command, long offset) {
        List<Optional<Error>> stateless = StatelessChecks.deleteTopics(command);
        List<MetadataRecord> records = new ArrayList<>();
        CommandResult.Builder result = CommandResult.newBuilder().setOffset(offset);
        for (int i = 0; i < command.getNamesCount(); i++) {
            String name = command.getNames(i);
            Optional<TopicImage> topic = image.topic(name);
            Optional<Error> error = stateless.get(i).or(() -> topic.isPresent() ? Optional.empty()
                    : Optional.of(Errors.of(ErrorCode.UNKNOWN_TOPIC, "topic '" + name + "' does not exist")));
            if (error.isPresent()) {
                result.addItems(Errors.failed(name, error.get()));
                continue;
            }
            records.add(MetadataRecord.newBuilder()
                    .setRemoveTopic(RemoveTopicRecord.newBuilder().setName(name).setTopicId(topic.get().topicId()))
                    .build());
            result.addItems(Errors.ok(name));
        }
        return new CommandOutcome(records, result.build());
    }

    /**
     * Applies {@code command}'s sets and deletes to the topic's explicit configs and validates the
     * result as CreateTopics would; emits the whole new set (nothing when it is unchanged).
     * Deleting a key that is not set is allowed, as in Kafka. On any error nothing changes.
     */
    static CommandOutcome alterConfigs(MetadataImage image, AlterTopicConfigsCommand command, long offset) {
        String name = command.getTopic();
        Optional<Error> reserved = StatelessChecks.alterTopicConfigs(command);
        if (reserved.isPresent()) {
            return BrokerCommands.rejection(name, reserved.get(), offset);
        }
        Optional<TopicImage> topic = image.topic(name);
        if (topic.isEmpty()) {
            return BrokerCommands.rejection(name, Errors.of(ErrorCode.UNKNOWN_TOPIC, "topic '" + name
                    + "' does not exist"), offset);
        }
        for (String key : command.getDeleteList()) {
            if (command.getSetMap().containsKey(key)) {
                return BrokerCommands.rejection(name, Errors.of(ErrorCode.INVALID_CONFIG, "config " + key
                        + " is both set and deleted; name it once"), offset);
            }
        }
        Map<String, String> configs = new TreeMap<>(topic.get().configs());
        configs.putAll(command.getSetMap());
        command.getDeleteList().forEach(configs::remove);
        int replicationFactor = topic.get().partitions().values().stream().findFirst()
                .map(p -> p.replicas().size()).orElse(1);
        Optional<Error> invalid = TopicConfigs.validate(configs, replicationFactor);
        if (invalid.isPresent()) {
            return BrokerCommands.rejection(name, invalid.get(), offset);
        }
        CommandResult ok = CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(name)).build();
        if (configs.equals(new TreeMap<>(topic.get().configs()))) {
            return new CommandOutcome(List.of(), ok);
        }
        return new CommandOutcome(List.of(MetadataRecord.newBuilder().setTopicConfig(
                TopicConfigRecord.newBuilder().setTopic(name).putAllConfigs(configs)).build()), ok);
    }
}
