package io.wharf.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * A set of topic partitions, grouped by topic and sorted by topic name and partition index.
 * Immutable; the set operations return new values. A topic never maps to an empty set, so two
 * assignments with the same partitions are equal.
 */
public final class Assignment {

    private static final Assignment EMPTY = new Assignment(new TreeMap<>());

    private final SortedMap<String, SortedSet<Integer>> partitions;
    private final int size;

    private Assignment(SortedMap<String, SortedSet<Integer>> owned) {
        SortedMap<String, SortedSet<Integer>> copy = new TreeMap<>();
        int count = 0;
        for (Map.Entry<String, SortedSet<Integer>> topic : owned.entrySet()) {
            if (!topic.getValue().isEmpty()) {
                copy.put(topic.getKey(), Collections.unmodifiableSortedSet(new TreeSet<>(topic.getValue())));
                count += topic.getValue().size();
            }
        }
        this.partitions = Collections.unmodifiableSortedMap(copy);
        this.size = count;
    }

    /** The assignment with no partitions. */
    public static Assignment empty() {
        return EMPTY;
    }

    /** The given partitions, topic → partition indexes; empty sets are dropped. */
    public static Assignment of(Map<String, ? extends Collection<Integer>> partitions) {
        SortedMap<String, SortedSet<Integer>> copy = new TreeMap<>();
        partitions.forEach((topic, indexes) -> copy.put(Objects.requireNonNull(topic), new TreeSet<>(indexes)));
        return copy.isEmpty() ? EMPTY : new Assignment(copy);
    }

    /** The given partitions. */
    public static Assignment ofPartitions(Collection<TopicPartition> partitions) {
        SortedMap<String, SortedSet<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new TreeSet<>()).add(tp.partition()));
        return byTopic.isEmpty() ? EMPTY : new Assignment(byTopic);
    }

    /** Partitions of one topic, for tests and literals: {@code of("t", 0, 1, 2)}. */
    public static Assignment of(String topic, Integer... indexes) {
        return of(Map.of(topic, List.of(indexes)));
    }

    /** Topic → partition indexes, sorted; unmodifiable. */
    public SortedMap<String, SortedSet<Integer>> partitions() {
        return partitions;
    }

    /** The partitions of {@code topic}, empty when none. */
    public SortedSet<Integer> partitions(String topic) {
        SortedSet<Integer> indexes = partitions.get(topic);
        return indexes == null ? Collections.emptySortedSet() : indexes;
    }

    /** How many partitions, over all topics. */
    public int size() {
        return size;
    }

    /** True when there is no partition. */
    public boolean isEmpty() {
        return size == 0;
    }

    /** True when {@code topic}-{@code partition} is in this assignment. */
    public boolean contains(String topic, int partition) {
        return partitions(topic).contains(partition);
    }

    /** True when every partition of {@code other} is in this one. */
    public boolean containsAll(Assignment other) {
        return other.partitions.entrySet().stream().allMatch(e -> partitions(e.getKey()).containsAll(e.getValue()));
    }

    /** True when the two share at least one partition. */
    public boolean overlaps(Assignment other) {
        return !intersect(other).isEmpty();
    }

    /** The partitions in this one or {@code other}. */
    public Assignment union(Assignment other) {
        SortedMap<String, SortedSet<Integer>> result = mutableCopy();
        other.partitions.forEach((topic, indexes) -> result.computeIfAbsent(topic, t -> new TreeSet<>()).addAll(indexes));
        return new Assignment(result);
    }

    /** The partitions of this one that are also in {@code other}. */
    public Assignment intersect(Assignment other) {
        return filter((topic, partition) -> other.contains(topic, partition));
    }

    /** The partitions of this one that are not in {@code other}. */
    public Assignment minus(Assignment other) {
        return filter((topic, partition) -> !other.contains(topic, partition));
    }

    /** The partitions of this one that {@code keep} accepts. */
    public Assignment filter(BiPredicate<String, Integer> keep) {
        SortedMap<String, SortedSet<Integer>> result = new TreeMap<>();
        partitions.forEach((topic, indexes) -> {
            for (int partition : indexes) {
                if (keep.test(topic, partition)) {
                    result.computeIfAbsent(topic, t -> new TreeSet<>()).add(partition);
                }
            }
        });
        return result.isEmpty() ? EMPTY : new Assignment(result);
    }

    /** Every partition as "topic-partition", for messages and tests. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        partitions.forEach((topic, indexes) -> indexes.forEach(p -> names.add(topic + "-" + p)));
        return names;
    }

    private SortedMap<String, SortedSet<Integer>> mutableCopy() {
        SortedMap<String, SortedSet<Integer>> copy = new TreeMap<>();
        partitions.forEach((topic, indexes) -> copy.put(topic, new TreeSet<>(indexes)));
        return copy;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Assignment other && partitions.equals(other.partitions);
    }

    @Override
    public int hashCode() {
        return partitions.hashCode();
    }

    @Override
    public String toString() {
        return partitions.toString();
    }
}
