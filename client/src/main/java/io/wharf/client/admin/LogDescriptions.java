package io.wharf.client.admin;

import io.wharf.client.TopicPartition;
import java.util.List;
import java.util.Map;

/**
 * The answer to {@link AdminClient#describeLogs}: the partitions whose leader described its log,
 * and the partitions it could not get, grouped by why. Immutable.
 */
public record LogDescriptions(Map<TopicPartition, PartitionLog> logs, List<Failure> failures) {

    /**
     * Partitions whose log could not be described, and why.
     *
     * @param brokerId the leader that was asked; -1 when the partitions have no leader
     * @param reason   one line naming what went wrong
     */
    public record Failure(int brokerId, List<TopicPartition> partitions, String reason) {

        public Failure {
            partitions = List.copyOf(partitions);
        }
    }

    public LogDescriptions {
        logs = Map.copyOf(logs);
        failures = List.copyOf(failures);
    }
}
