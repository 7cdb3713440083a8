package io.wharf.client.consumer;

import io.wharf.client.TopicPartition;
import java.util.Set;

/**
 * Told when the group moves partitions to or from this consumer, after Kafka's
 * ConsumerRebalanceListener. Every method runs on the thread calling {@link Consumer#poll} (or
 * {@link Consumer#close}), so it may use the consumer, e.g. commit before a partition goes.
 */
public interface RebalanceListener {

    /** A listener that does nothing. */
    RebalanceListener NONE = new RebalanceListener() {
    };

    /**
     * The consumer owns these partitions from now on; their positions are set (committed offset,
     * else {@code auto.offset.reset}).
     */
    default void onPartitionsAssigned(Set<TopicPartition> partitions) {
    }

    /**
     * The consumer gives these partitions back: they are still owned while this runs (commit here),
     * then fetched no more. With {@code enable.auto.commit} their positions are already committed.
     */
    default void onPartitionsRevoked(Set<TopicPartition> partitions) {
    }

    /**
     * The consumer was fenced (its session expired, or the coordinator no longer knows it) and
     * these partitions may already belong to another member: committing them would fail. By default
     * the same as {@link #onPartitionsRevoked}.
     */
    default void onPartitionsLost(Set<TopicPartition> partitions) {
        onPartitionsRevoked(partitions);
    }
}
