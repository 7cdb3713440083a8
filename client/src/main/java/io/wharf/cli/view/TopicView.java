package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.PartitionLog;
import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One topic as {@code wharf topics describe --json} prints it. Immutable.
 *
 * @param cleanupPolicy the topic's {@code cleanup.policy}, set or default
 */
public record TopicView(String name, @JsonProperty("topic_id") String topicId,
                        @JsonProperty("partition_count") int partitionCount,
                        @JsonProperty("replication_factor") int replicationFactor,
                        @JsonProperty("cleanup_policy") String cleanupPolicy,
                        Map<String, String> configs, List<Partition> partitions) {

    /** The cleanup.policy of a topic that does not set it. */
    static final String DEFAULT_CLEANUP_POLICY = TopicConfigKeys.CLEANUP_POLICY.defaultValue().orElseThrow();

    public TopicView {
        configs = new TreeMap<>(configs);
        partitions = List.copyOf(partitions);
    }

    /**
     * One partition: leader (-1 for none), replicas, ISR, epochs, and its log as the leader
     * described it (null when the leader could not be asked).
     */
    public record Partition(int id, int leader, List<Integer> replicas, List<Integer> isr,
                            @JsonProperty("leaderEpoch") int leaderEpoch,
                            @JsonProperty("partition_epoch") int partitionEpoch, Log log) {
    }

    /**
     * A partition's log on its leader; the first dirty offset and dirty ratio only for a topic
     * that compacts (null otherwise).
     */
    public record Log(@JsonProperty("size_bytes") long sizeBytes, int segments,
                      @JsonProperty("log_start_offset") long logStartOffset,
                      @JsonProperty("log_end_offset") long logEndOffset,
                      @JsonProperty("high_watermark") long highWatermark,
                      @JsonProperty("first_dirty_offset") Long firstDirtyOffset,
                      @JsonProperty("dirty_ratio") Double dirtyRatio) {

        static Log of(PartitionLog log) {
            boolean compacts = log.dirtyRatio().isPresent();
            return new Log(log.sizeBytes(), log.segmentCount(), log.logStartOffset(), log.logEndOffset(),
                    log.highWatermark(), compacts ? log.firstDirtyOffset() : null,
                    compacts ? log.dirtyRatio().getAsDouble() : null);
        }
    }

    /** The topic with its partitions' logs from {@code logs} (those missing print as unknown). */
    public static TopicView of(TopicDescription topic, Map<TopicPartition, PartitionLog> logs) {
        List<Partition> partitions = topic.getPartitionsList().stream()
                .sorted(Comparator.comparingInt(PartitionInfo::getPartition))
                .map(p -> {
                    PartitionLog log = logs.get(new TopicPartition(topic.getName(), p.getPartition()));
                    return new Partition(p.getPartition(), p.getLeader(), p.getReplicasList(), p.getIsrList(),
                            p.getLeaderEpoch(), p.getPartitionEpoch(), log == null ? null : Log.of(log));
                })
                .toList();
        int replicationFactor = partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
        return new TopicView(topic.getName(), topic.getTopicId(), partitions.size(), replicationFactor,
                topic.getConfigsMap().getOrDefault(TopicConfigKeys.CLEANUP_POLICY.name(), DEFAULT_CLEANUP_POLICY),
                topic.getConfigsMap(),
                partitions);
    }

    /** Whether the topic's policy includes compact. */
    public boolean compacts() {
        return List.of(cleanupPolicy.split(",")).stream().anyMatch(part -> part.strip().equals("compact"));
    }
}
