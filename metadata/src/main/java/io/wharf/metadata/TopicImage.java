package io.wharf.metadata;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One topic in a {@link MetadataImage}: its id, its partitions by index and its explicitly set
 * configs (defaults are in {@link TopicConfigs}). Immutable.
 *
 * @param name       the topic name
 * @param topicId    a UUID string that tells a re-created topic from the one deleted before
 * @param partitions partition index → state, sorted by index
 * @param configs    explicitly set topic configs, sorted by key
 */
public record TopicImage(String name, String topicId, SortedMap<Integer, PartitionState> partitions,
                         Map<String, String> configs) {

    public TopicImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(topicId, "topicId");
        partitions = Collections.unmodifiableSortedMap(new TreeMap<>(partitions));
        configs = Collections.unmodifiableSortedMap(new TreeMap<>(configs));
    }

    /** The state of one partition, empty when the topic has no such partition. */
    public Optional<PartitionState> partition(int index) {
        return Optional.ofNullable(partitions.get(index));
    }

    /** The effective value of a topic config: the explicit one, else the default. */
    public String config(String key) {
        return TopicConfigs.effective(configs, key);
    }
}
