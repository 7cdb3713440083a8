package io.wharf.broker;

import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.proto.broker.DescribeLogsRequest;
import io.wharf.proto.broker.DescribeLogsResponse;
import io.wharf.proto.broker.ReplicaLog;
import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.log.CleanableSection;
import io.wharf.replication.log.CleanupPolicy;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogCompaction;
import io.wharf.replication.log.LogOfflineException;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Serves {@code DescribeLogs}, as Kafka's DescribeLogDirs: the log of every replica this broker
 * hosts (of the named topics), led or followed, and for a topic that compacts where the log
 * cleaner stands in it ({@link LogCompaction#cleanableSection}). Only reads; thread-safe.
 */
final class DescribeLogsHandler {

    private final int brokerId;
    private final PartitionRegistry registry;

    DescribeLogsHandler(int brokerId, PartitionRegistry registry) {
        this.brokerId = brokerId;
        this.registry = registry;
    }

    /** The hosted replicas sorted by topic and partition; STORAGE_ERROR and none when the log directory is offline. */
    DescribeLogsResponse describeLogs(DescribeLogsRequest request) {
        DescribeLogsResponse.Builder response = DescribeLogsResponse.newBuilder().setBrokerId(brokerId);
        Optional<LogOfflineException> offline = registry.offlineCause();
        if (offline.isPresent()) {
            return response.setError(PartitionLookup.error(ErrorCode.STORAGE_ERROR, "broker " + brokerId
                    + " took its log directory " + offline.get().directory() + " offline after a storage fault ("
                    + offline.get().getMessage() + "); it hosts no replicas until it restarts")).build();
        }
        Set<String> topics = Set.copyOf(request.getTopicsList());
        List<Partition> asked = registry.partitions().stream()
                .filter(partition -> topics.isEmpty() || topics.contains(partition.topicPartition().topic()))
                .sorted(Comparator.comparing((Partition p) -> p.topicPartition().topic())
                        .thenComparingInt(p -> p.topicPartition().partition()))
                .toList();
        for (Partition partition : asked) {
            try {
                response.addReplicas(describe(partition));
            } catch (RuntimeException e) {
                if (registry.partition(partition.topicPartition()).orElse(null) == partition) {
                    throw e;  // a bug: the caller answers INTERNAL
                }
                // Dropped (its topic deleted, its replica moved) while being described: no longer hosted.
            }
        }
        return response.setError(PartitionLookup.none()).build();
    }

    private static ReplicaLog describe(Partition partition) {
        Log log = partition.log();
        long highWatermark = partition.highWatermark();
        CleanupPolicy policy = log.config().cleanupPolicy();
        ReplicaLog.Builder replica = ReplicaLog.newBuilder()
                .setTopic(partition.topicPartition().topic())
                .setPartition(partition.topicPartition().partition())
                .setIsLeader(partition.isLeader())
                .setLogStartOffset(log.logStartOffset())
                .setLogEndOffset(log.logEndOffset())
                .setHighWatermark(highWatermark)
                .setSizeBytes(log.sizeInBytes())
                .setSegmentCount(log.segmentBaseOffsets().size())
                .setCleanupPolicy(policy.configValue())
                .setFirstDirtyOffset(-1);
        if (policy.compacts()) {
            CleanableSection section = log.compaction().cleanableSection(highWatermark);
            replica.setFirstDirtyOffset(section.firstDirtyOffset()).setDirtyRatio(section.dirtyRatio());
        }
        return replica.build();
    }
}
