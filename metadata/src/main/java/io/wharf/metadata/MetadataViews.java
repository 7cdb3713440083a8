package io.wharf.metadata;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;

/** Converts image values into their wire messages. Stateless. */
public final class MetadataViews {

    private MetadataViews() {
    }

    /**
     * A broker on the wire.
     *
     * @param msSinceHeartbeat milliseconds since the broker's last heartbeat, -1 when the caller
     *                         does not track liveness (heartbeats are soft state, not in the image)
     */
    public static BrokerInfo toBrokerInfo(BrokerRegistration broker, long msSinceHeartbeat) {
        return BrokerInfo.newBuilder()
                .setId(broker.id())
                .setHost(broker.host())
                .setPort(broker.port())
                .setRack(broker.rack())
                .setState(broker.fenced() ? BrokerState.FENCED : BrokerState.ACTIVE)
                .setEpoch(broker.epoch())
                .setMsSinceHeartbeat(msSinceHeartbeat)
                .build();
    }

    /** A topic on the wire with its partitions in index order and its explicitly set configs. */
    public static TopicDescription toTopicDescription(TopicImage topic) {
        TopicDescription.Builder description = TopicDescription.newBuilder()
                .setName(topic.name())
                .setTopicId(topic.topicId())
                .putAllConfigs(topic.configs());
        for (PartitionState partition : topic.partitions().values()) {
            description.addPartitions(toPartitionInfo(partition));
        }
        return description.build();
    }

    /** A partition on the wire. */
    public static PartitionInfo toPartitionInfo(PartitionState partition) {
        return PartitionInfo.newBuilder()
                .setPartition(partition.partition())
                .setLeader(partition.leader())
                .addAllReplicas(partition.replicas())
                .addAllIsr(partition.isr())
                .setLeaderEpoch(partition.leaderEpoch())
                .setPartitionEpoch(partition.partitionEpoch())
                .build();
    }
}
