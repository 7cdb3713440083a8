package io.wharf.broker.console;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.metadata.MetadataImage;
import java.util.List;
import java.util.Map;

/**
 * What one console snapshot is built from, gathered by the refresher. Immutable.
 *
 * @param rates  records per second appended to each hosted replica lately
 * @param queues the figures of the queues this broker leads, by queue name
 * @param groups the consumer groups this broker coordinates
 */
record ConsoleInputs(int brokerId, boolean adminEnabled, MetadataImage image, ControllerView controllers,
                     ReplicaFigures replicas, Map<TopicPartition, Double> rates, Map<String, QueueFigures> queues,
                     List<ClusterSnapshot.Group> groups, LeadershipTimeline timeline, long nowMs) {

    ConsoleInputs {
        rates = Map.copyOf(rates);
        queues = Map.copyOf(queues);
        groups = List.copyOf(groups);
    }
}
