package io.wharf.group;

import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A copy of the coordinator's replicated state: every group and every committed offset. Two
 * coordinators that replayed the same records have equal images. Immutable.
 *
 * @param groups  group id → group
 * @param offsets group id → partition → committed offset
 */
public record GroupsImage(Map<String, ConsumerGroup> groups,
                          Map<String, ? extends Map<TopicPartition, CommittedOffset>> offsets) {

    public GroupsImage {
        groups = Collections.unmodifiableSortedMap(new TreeMap<>(groups));
        SortedMap<String, Map<TopicPartition, CommittedOffset>> copy = new TreeMap<>();
        offsets.forEach((group, partitions) -> copy.put(group, Collections.unmodifiableSortedMap(new TreeMap<>(partitions))));
        offsets = Collections.unmodifiableSortedMap(copy);
    }
}
