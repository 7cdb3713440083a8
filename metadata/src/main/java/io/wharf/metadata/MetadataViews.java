package io.wharf.metadata;

import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.QueueInfo;
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

    /** An exchange on the wire. */
    public static ExchangeInfo toExchangeInfo(ExchangeImage exchange) {
        return ExchangeInfo.newBuilder()
                .setName(exchange.name())
                .setType(exchange.type())
                .setInternal(exchange.internal())
                .putAllArguments(exchange.arguments())
                .setBuiltin(exchange.builtin())
                .build();
    }

    /**
     * A queue on the wire with the placement of its log, partition 0 of its topic in {@code image}
     * (left unset should the topic be missing, which a consistent image never has).
     */
    public static QueueInfo toQueueInfo(QueueImage queue, MetadataImage image) {
        QueueInfo.Builder info = QueueInfo.newBuilder()
                .setName(queue.name())
                .setQueueId(queue.queueId())
                .putAllArguments(queue.arguments())
                .setTopic(queue.topic());
        image.topic(queue.topic()).flatMap(topic -> topic.partition(0))
                .ifPresent(partition -> info.setPartition(toPartitionInfo(partition)));
        return info.build();
    }
}
