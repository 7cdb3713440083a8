package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One topic as {@code wharf topics describe --json} prints it. Immutable.
 */
public record TopicView(String name, @JsonProperty("topic_id") String topicId,
                        @JsonProperty("partition_count") int partitionCount,
                        @JsonProperty("replication_factor") int replicationFactor,
                        Map<String, String> configs, List<Partition> partitions) {

    public TopicView {
        configs = new TreeMap<>(configs);
        partitions = List.copyOf(partitions);
    }

    /** One partition: leader (-1 for none), replicas, ISR and epochs. */
    public record Partition(int id, int leader, List<Integer> replicas, List<Integer> isr,
                            @JsonProperty("leaderEpoch") int leaderEpoch,
                            @JsonProperty("partition_epoch") int partitionEpoch) {
    }

    public static TopicView of(TopicDescription topic) {
        List<Partition> partitions = topic.getPartitionsList().stream()
                .sorted(Comparator.comparingInt(PartitionInfo::getPartition))
                .map(p -> new Partition(p.getPartition(), p.getLeader(), p.getReplicasList(), p.getIsrList(),
                        p.getLeaderEpoch(), p.getPartitionEpoch()))
                .toList();
        int replicationFactor = partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
        return new TopicView(topic.getName(), topic.getTopicId(), partitions.size(), replicationFactor,
                topic.getConfigsMap(), partitions);
    }
}
