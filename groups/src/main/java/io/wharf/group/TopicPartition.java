package io.wharf.group;

import java.util.Comparator;
import java.util.Objects;

/**
 * One partition of one topic. Immutable; ordered by topic name, then index.
 *
 * @param topic     the topic name
 * @param partition the partition index
 */
public record TopicPartition(String topic, int partition) implements Comparable<TopicPartition> {

    private static final Comparator<TopicPartition> ORDER =
            Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition);

    public TopicPartition {
        Objects.requireNonNull(topic, "topic");
    }

    @Override
    public int compareTo(TopicPartition other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
