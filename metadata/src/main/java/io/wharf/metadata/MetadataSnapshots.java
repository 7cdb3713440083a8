package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.metadata.BindingRecord;
import io.wharf.proto.metadata.ExchangeRecord;
import io.wharf.proto.metadata.FenceBrokerRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.MetadataSnapshot;
import io.wharf.proto.metadata.PartitionRecord;
import io.wharf.proto.metadata.ProducerIdsRecord;
import io.wharf.proto.metadata.QueueRecord;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import io.wharf.proto.metadata.TopicConfigRecord;
import io.wharf.proto.metadata.TopicRecord;
import io.wharf.proto.metadata.UnfenceBrokerRecord;

/**
 * Encodes an image as a snapshot (the records that rebuild it from empty, at its offset) and
 * decodes it back. Stateless.
 */
public final class MetadataSnapshots {

    private MetadataSnapshots() {
    }

    /**
     * The records that rebuild {@code image} from empty: brokers by id, then topics by name, then
     * the producer-id counter when any id was allocated, then declared exchanges and queues by name
     * (after the topics, since a queue names its topic) and last the bindings (which name both).
     */
    public static MetadataSnapshot toSnapshot(MetadataImage image) {
        MetadataSnapshot.Builder snapshot = MetadataSnapshot.newBuilder().setOffset(image.offset());
        for (BrokerRegistration broker : image.brokers().values()) {
            snapshot.addRecords(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                    .setBrokerId(broker.id())
                    .setBrokerEpoch(broker.epoch())
                    .setHost(broker.host())
                    .setPort(broker.port())
                    .setRack(broker.rack())
                    .setIncarnationId(broker.incarnationId())));
            if (!broker.fenced()) {
                snapshot.addRecords(MetadataRecord.newBuilder().setUnfenceBroker(UnfenceBrokerRecord.newBuilder()
                        .setBrokerId(broker.id())
                        .setBrokerEpoch(broker.epoch())));
            } else if (broker.shutDown()) {
                snapshot.addRecords(MetadataRecord.newBuilder().setFenceBroker(FenceBrokerRecord.newBuilder()
                        .setBrokerId(broker.id())
                        .setBrokerEpoch(broker.epoch())
                        .setControlledShutdown(true)));
            }
        }
        for (TopicImage topic : image.topics().values()) {
            snapshot.addRecords(MetadataRecord.newBuilder()
                    .setTopic(TopicRecord.newBuilder().setName(topic.name()).setTopicId(topic.topicId())));
            for (PartitionState partition : topic.partitions().values()) {
                snapshot.addRecords(MetadataRecord.newBuilder().setPartition(PartitionRecord.newBuilder()
                        .setTopic(topic.name())
                        .setPartition(partition.partition())
                        .addAllReplicas(partition.replicas())
                        .addAllIsr(partition.isr())
                        .setLeader(partition.leader())
                        .setLeaderEpoch(partition.leaderEpoch())
                        .setPartitionEpoch(partition.partitionEpoch())));
            }
            if (!topic.configs().isEmpty()) {
                snapshot.addRecords(MetadataRecord.newBuilder()
                        .setTopicConfig(TopicConfigRecord.newBuilder().setTopic(topic.name()).putAllConfigs(topic.configs())));
            }
        }
        if (image.nextProducerId() > 0) {
            snapshot.addRecords(MetadataRecord.newBuilder().setProducerIds(ProducerIdsRecord.newBuilder()
                    .setBrokerId(-1).setBrokerEpoch(-1).setNextProducerId(image.nextProducerId())));
        }
        for (ExchangeImage exchange : image.exchanges().values()) {
            if (!exchange.builtin()) {
                snapshot.addRecords(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder()
                        .setName(exchange.name())
                        .setType(exchange.type())
                        .setInternal(exchange.internal())
                        .putAllArguments(exchange.arguments())));
            }
        }
        for (QueueImage queue : image.queues().values()) {
            snapshot.addRecords(MetadataRecord.newBuilder().setQueue(QueueRecord.newBuilder()
                    .setName(queue.name())
                    .setQueueId(queue.queueId())
                    .putAllArguments(queue.arguments())
                    .setTopic(queue.topic())));
        }
        for (BindingInfo binding : image.bindings()) {
            snapshot.addRecords(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder().setBinding(binding)));
        }
        return snapshot.build();
    }

    /**
     * The image {@code snapshot} encodes.
     *
     * @throws IllegalStateException when the records do not rebuild a consistent image (a
     *         corrupt or foreign snapshot; the caller must not start from it)
     */
    public static MetadataImage fromSnapshot(MetadataSnapshot snapshot) {
        if (snapshot.getOffset() < 0) {
            if (snapshot.getRecordsCount() > 0) {
                throw new IllegalStateException("snapshot at offset " + snapshot.getOffset() + " has "
                        + snapshot.getRecordsCount() + " records; only the empty image has no offset");
            }
            return MetadataImage.empty();
        }
        return MetadataImage.empty().apply(MetadataRecordBatch.newBuilder()
                .setOffset(snapshot.getOffset())
                .addAllRecords(snapshot.getRecordsList())
                .build());
    }
}
