package io.wharf.broker.group;

import io.wharf.group.CommittedOffset;
import io.wharf.group.GroupsImage;
import io.wharf.group.TopicPartition;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consumer groups one coordinator serves, as its metrics show them: each group's members and,
 * per partition it committed an offset for, that offset against the partition's high watermark.
 * Immutable.
 *
 * @param members    group id → members, for every group the coordinator serves
 * @param partitions one entry per (group, partition) with a committed offset, by group then partition
 */
public record GroupFigures(Map<String, Integer> members, List<PartitionLag> partitions) {

    /** No group: what a broker that coordinates none serves. */
    public static final GroupFigures NONE = new GroupFigures(Map.of(), List.of());

    /**
     * One group's position in one partition.
     *
     * @param committed     the committed offset: the next record the group will read
     * @param highWatermark the partition's high watermark when sampled, -1 when it could not be
     *                      learned (no leader, the leader did not answer)
     */
    public record PartitionLag(String group, TopicPartition partition, long committed, long highWatermark) {

        /** Records the group has yet to read; -1 when the high watermark is unknown. */
        public long lag() {
            return highWatermark < 0 ? -1 : Math.max(0, highWatermark - committed);
        }
    }

    public GroupFigures {
        members = Map.copyOf(members);
        partitions = List.copyOf(partitions);
    }

    /**
     * The figures of the groups in {@code images} (the shards this coordinator leads), with the
     * high watermarks in {@code highWatermarks} (partitions missing there get -1).
     */
    public static GroupFigures of(Collection<GroupsImage> images, Map<TopicPartition, Long> highWatermarks) {
        Map<String, Integer> members = new TreeMap<>();
        List<PartitionLag> partitions = new ArrayList<>();
        for (GroupsImage image : images) {
            image.groups().forEach((group, state) -> members.put(group, state.members().size()));
            image.offsets().forEach((group, offsets) -> {
                members.putIfAbsent(group, 0);  // a group known by its offsets alone has no member
                for (Map.Entry<TopicPartition, CommittedOffset> committed : offsets.entrySet()) {
                    partitions.add(new PartitionLag(group, committed.getKey(), committed.getValue().offset(),
                            highWatermarks.getOrDefault(committed.getKey(), -1L)));
                }
            });
        }
        return new GroupFigures(members, partitions);
    }

    /** Every partition some group committed an offset for. */
    public static List<TopicPartition> committedPartitions(Collection<GroupsImage> images) {
        return images.stream().flatMap(image -> image.offsets().values().stream())
                .flatMap(offsets -> offsets.keySet().stream()).distinct().sorted().toList();
    }
}
