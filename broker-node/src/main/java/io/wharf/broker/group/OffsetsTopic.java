package io.wharf.broker.group;

import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.metadata.TopicSpec;

/**
 * The internal topic holding consumer-group state, {@value #NAME}: which of its partitions a
 * group lives on, and how the topic is created. Stateless.
 */
public final class OffsetsTopic {

    /** Kafka's name, kept so that tools and habits carry over. */
    public static final String NAME = "__consumer_offsets";

    private OffsetsTopic() {
    }

    /** The partition of a group, as Kafka computes it: the group id's hash, sign bit cleared, modulo the count. */
    public static int partitionFor(String groupId, int partitions) {
        return (groupId.hashCode() & 0x7fffffff) % partitions;
    }

    /**
     * The topic as the controllers are asked to create it: the replication factor capped at the
     * active brokers, {@code min.insync.replicas} 2 (capped at the replication factor), and
     * compacted, as Kafka's: its records are the groups' state, keyed, each superseded by the next
     * record of its key or deleted by a tombstone, so the cleaner keeps the latest of each key.
     * Retention is unlimited as well, so that adding delete to its policy could not lose state.
     *
     * @param segmentBytes {@code offsets.topic.segment.bytes}: the cleaner only compacts closed
     *                     segments, so smaller ones than a topic's 1 GiB let it start sooner
     */
    public static TopicSpec spec(int partitions, int replicationFactor, int segmentBytes, int activeBrokers) {
        int factor = Math.max(1, Math.min(replicationFactor, activeBrokers));
        return TopicSpec.newBuilder().setName(NAME).setPartitions(partitions).setReplicationFactor(factor)
                .putConfigs(TopicConfigKeys.MIN_INSYNC_REPLICAS.name(), String.valueOf(Math.min(2, factor)))
                .putConfigs(TopicConfigKeys.CLEANUP_POLICY.name(), "compact")
                .putConfigs(TopicConfigKeys.SEGMENT_BYTES.name(), String.valueOf(segmentBytes))
                .putConfigs(TopicConfigKeys.RETENTION_MS.name(), "-1")
                .putConfigs(TopicConfigKeys.RETENTION_BYTES.name(), "-1")
                .build();
    }
}
