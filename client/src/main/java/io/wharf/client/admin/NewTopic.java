package io.wharf.client.admin;

import io.wharf.proto.metadata.TopicSpec;
import java.util.Map;

/**
 * A topic to create. Immutable. Values are not validated here: the controller validates them and
 * answers a per-topic error that names what to fix.
 *
 * @param name topic name
 * @param partitions number of partitions
 * @param replicationFactor replicas per partition
 * @param configs explicitly set topic configs (e.g. {@code retention.ms})
 */
public record NewTopic(String name, int partitions, int replicationFactor, Map<String, String> configs) {

    public NewTopic {
        configs = Map.copyOf(configs);
    }

    public NewTopic(String name, int partitions, int replicationFactor) {
        this(name, partitions, replicationFactor, Map.of());
    }

    TopicSpec toSpec() {
        return TopicSpec.newBuilder()
                .setName(name)
                .setPartitions(partitions)
                .setReplicationFactor(replicationFactor)
                .putAllConfigs(configs)
                .build();
    }
}
