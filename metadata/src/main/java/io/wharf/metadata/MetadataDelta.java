package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.ExchangeRecord;
import io.wharf.proto.metadata.FenceBrokerRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.PartitionChangeRecord;
import io.wharf.proto.metadata.PartitionRecord;
import io.wharf.proto.metadata.ProducerIdsRecord;
import io.wharf.proto.metadata.QueueRecord;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import io.wharf.proto.metadata.RemoveExchangeRecord;
import io.wharf.proto.metadata.RemoveQueueRecord;
import io.wharf.proto.metadata.RemoveTopicRecord;
import io.wharf.proto.metadata.TopicConfigRecord;
import io.wharf.proto.metadata.TopicRecord;
import io.wharf.proto.metadata.UnfenceBrokerRecord;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The changes of one record batch on top of a base image; the only place where records change
 * metadata state. Copies a map or topic only when a record touches it, so the built image shares
 * everything else with the base. Single-threaded; owned by the {@link MetadataImage#apply} call.
 */
final class MetadataDelta {

    private final MetadataImage base;
    private SortedMap<Integer, BrokerRegistration> brokers;
    private SortedMap<String, TopicImage> topics;
    /** Topics changed by this batch, as mutable partition maps; folded into {@link #topics} by build. */
    private final Map<String, TopicDraft> drafts = new HashMap<>();
    private long nextProducerId;
    private SortedMap<String, ExchangeImage> exchanges;
    private SortedMap<String, QueueImage> queues;
    private Bindings bindings;

    MetadataDelta(MetadataImage base) {
        this.base = base;
        this.nextProducerId = base.nextProducerId();
        this.bindings = base.bindingSet();
    }

    void replay(MetadataRecord record) {
        switch (record.getRecordCase()) {
            case REGISTER_BROKER -> registerBroker(record.getRegisterBroker());
            case FENCE_BROKER -> fenceBroker(record.getFenceBroker());
            case UNFENCE_BROKER -> unfenceBroker(record.getUnfenceBroker());
            case TOPIC -> createTopic(record.getTopic());
            case PARTITION -> createPartition(record.getPartition());
            case PARTITION_CHANGE -> changePartition(record.getPartitionChange());
            case TOPIC_CONFIG -> setConfigs(record.getTopicConfig());
            case REMOVE_TOPIC -> removeTopic(record.getRemoveTopic());
            case PRODUCER_IDS -> allocateProducerIds(record.getProducerIds());
            case EXCHANGE -> declareExchange(record.getExchange());
            case REMOVE_EXCHANGE -> removeExchange(record.getRemoveExchange());
            case QUEUE -> declareQueue(record.getQueue());
            case REMOVE_QUEUE -> removeQueue(record.getRemoveQueue());
            case BINDING -> bind(record.getBinding().getBinding());
            case REMOVE_BINDING -> unbind(record.getRemoveBinding().getBinding());
            default -> throw new IllegalStateException("metadata record without a known type: " + record);
        }
    }

    MetadataImage build(long offset) {
        SortedMap<String, ExchangeImage> newExchanges = exchanges == null ? base.declaredExchanges() : exchanges;
        SortedMap<String, QueueImage> newQueues = queues == null ? base.queueMap() : queues;
        if (brokers == null && topics == null && drafts.isEmpty()) {
            return new MetadataImage(offset, base.brokerMap(), base.topicMap(), nextProducerId, newExchanges, newQueues,
                    bindings);
        }
        SortedMap<String, TopicImage> newTopics = topics == null ? base.topicMap() : topics;
        if (!drafts.isEmpty()) {
            newTopics = writableTopics();
            for (TopicDraft draft : drafts.values()) {
                newTopics.put(draft.name, draft.build());
            }
        }
        return new MetadataImage(offset, brokers == null ? base.brokerMap() : brokers, newTopics, nextProducerId,
                newExchanges, newQueues, bindings);
    }

    private void declareExchange(ExchangeRecord r) {
        if (BuiltinExchanges.isBuiltin(r.getName())) {
            throw new IllegalStateException("ExchangeRecord for the built-in exchange '" + r.getName() + "'");
        }
        if (currentExchanges().containsKey(r.getName())) {
            throw new IllegalStateException("ExchangeRecord for existing exchange '" + r.getName() + "'");
        }
        if (r.getType() == ExchangeType.EXCHANGE_TYPE_UNSPECIFIED || r.getType() == ExchangeType.UNRECOGNIZED) {
            throw new IllegalStateException("ExchangeRecord for '" + r.getName() + "' without a known type: " + r);
        }
        writableExchanges().put(r.getName(),
                new ExchangeImage(r.getName(), r.getType(), r.getInternal(), r.getArgumentsMap(), false));
    }

    /** Bindings from or to the exchange go with it: nothing may name an exchange that is gone. */
    private void removeExchange(RemoveExchangeRecord r) {
        if (!currentExchanges().containsKey(r.getName())) {
            throw new IllegalStateException("RemoveExchangeRecord for unknown exchange '" + r.getName() + "'");
        }
        writableExchanges().remove(r.getName());
        bindings = bindings.withoutExchange(r.getName());
    }

    /** The queue's topic comes first in the same batch (or the snapshot lists topics before queues). */
    private void declareQueue(QueueRecord r) {
        if (currentQueues().containsKey(r.getName())) {
            throw new IllegalStateException("QueueRecord for existing queue '" + r.getName() + "'");
        }
        if (r.getName().isEmpty() || r.getQueueId().isEmpty()) {
            throw new IllegalStateException("QueueRecord without name or queue id: " + r);
        }
        if (!r.getTopic().equals(QueueNames.topicFor(r.getName()))) {
            throw new IllegalStateException("QueueRecord for queue '" + r.getName() + "' names the topic '"
                    + r.getTopic() + "' instead of '" + QueueNames.topicFor(r.getName()) + "'");
        }
        if (!exists(r.getTopic())) {
            throw new IllegalStateException("QueueRecord for queue '" + r.getName() + "' names the unknown topic '"
                    + r.getTopic() + "'");
        }
        writableQueues().put(r.getName(), new QueueImage(r.getName(), r.getQueueId(), r.getArgumentsMap(), r.getTopic()));
    }

    /** Bindings to the queue go with it; its topic goes with its own RemoveTopicRecord. */
    private void removeQueue(RemoveQueueRecord r) {
        QueueImage queue = currentQueues().get(r.getName());
        if (queue == null) {
            throw new IllegalStateException("RemoveQueueRecord for unknown queue '" + r.getName() + "'");
        }
        if (!queue.queueId().equals(r.getQueueId())) {
            throw new IllegalStateException("RemoveQueueRecord for queue '" + r.getName() + "' with id "
                    + r.getQueueId() + " but the queue has id " + queue.queueId());
        }
        writableQueues().remove(r.getName());
        bindings = bindings.withoutQueue(r.getName());
    }

    private void bind(BindingInfo binding) {
        if (!exchangeExists(binding.getSource())) {
            throw new IllegalStateException("BindingRecord from unknown exchange '" + binding.getSource() + "'");
        }
        if (!destinationExists(binding)) {
            throw new IllegalStateException("BindingRecord to unknown " + binding.getDestinationKind() + " '"
                    + binding.getDestination() + "'");
        }
        if (bindings.contains(binding)) {
            throw new IllegalStateException("BindingRecord for an existing binding: " + binding);
        }
        bindings = bindings.with(binding);
    }

    private void unbind(BindingInfo binding) {
        if (!bindings.contains(binding)) {
            throw new IllegalStateException("RemoveBindingRecord for a binding that does not exist: " + binding);
        }
        bindings = bindings.without(binding);
    }

    private boolean exchangeExists(String name) {
        return BuiltinExchanges.isBuiltin(name) || currentExchanges().containsKey(name);
    }

    private boolean destinationExists(BindingInfo binding) {
        return switch (binding.getDestinationKind()) {
            case QUEUE -> currentQueues().containsKey(binding.getDestination());
            case EXCHANGE -> exchangeExists(binding.getDestination());
            default -> false;
        };
    }

    private SortedMap<String, ExchangeImage> currentExchanges() {
        return exchanges == null ? base.declaredExchanges() : exchanges;
    }

    private SortedMap<String, ExchangeImage> writableExchanges() {
        if (exchanges == null) {
            exchanges = new TreeMap<>(base.declaredExchanges());
        }
        return exchanges;
    }

    private SortedMap<String, QueueImage> currentQueues() {
        return queues == null ? base.queueMap() : queues;
    }

    private SortedMap<String, QueueImage> writableQueues() {
        if (queues == null) {
            queues = new TreeMap<>(base.queueMap());
        }
        return queues;
    }

    private void allocateProducerIds(ProducerIdsRecord r) {
        if (r.getNextProducerId() <= nextProducerId) {
            throw new IllegalStateException("ProducerIdsRecord moves the next producer id from " + nextProducerId
                    + " to " + r.getNextProducerId() + "; it may only grow");
        }
        nextProducerId = r.getNextProducerId();
    }

    private void registerBroker(RegisterBrokerRecord r) {
        BrokerRegistration previous = currentBrokers().get(r.getBrokerId());
        if (r.getBrokerId() < 0) {
            throw new IllegalStateException("RegisterBrokerRecord with negative broker id " + r.getBrokerId());
        }
        if (previous != null && r.getBrokerEpoch() <= previous.epoch()) {
            throw new IllegalStateException("RegisterBrokerRecord for broker " + r.getBrokerId() + " with epoch "
                    + r.getBrokerEpoch() + " not above its current epoch " + previous.epoch());
        }
        writableBrokers().put(r.getBrokerId(),
                BrokerRegistration.registered(r.getBrokerId(), r.getBrokerEpoch(), r.getHost(), r.getPort(), r.getRack(),
                        r.getIncarnationId()));
    }

    private void fenceBroker(FenceBrokerRecord r) {
        BrokerRegistration broker = registered(r.getBrokerId(), r.getBrokerEpoch(), "FenceBrokerRecord");
        writableBrokers().put(broker.id(), r.getControlledShutdown() ? broker.withShutDown() : broker.withFenced(true));
    }

    private void unfenceBroker(UnfenceBrokerRecord r) {
        BrokerRegistration broker = registered(r.getBrokerId(), r.getBrokerEpoch(), "UnfenceBrokerRecord");
        if (broker.shutDown()) {
            throw new IllegalStateException("UnfenceBrokerRecord for broker " + broker.id() + " at epoch "
                    + broker.epoch() + ", which completed a controlled shutdown");
        }
        writableBrokers().put(broker.id(), broker.withFenced(false));
    }

    private BrokerRegistration registered(int id, long epoch, String recordType) {
        BrokerRegistration broker = currentBrokers().get(id);
        if (broker == null) {
            throw new IllegalStateException(recordType + " for unknown broker " + id);
        }
        if (broker.epoch() != epoch) {
            throw new IllegalStateException(recordType + " for broker " + id + " with epoch " + epoch
                    + " but its registration has epoch " + broker.epoch());
        }
        return broker;
    }

    private void createTopic(TopicRecord r) {
        if (exists(r.getName())) {
            throw new IllegalStateException("TopicRecord for existing topic '" + r.getName() + "'");
        }
        if (r.getName().isEmpty() || r.getTopicId().isEmpty()) {
            throw new IllegalStateException("TopicRecord without name or topic id: " + r);
        }
        drafts.put(r.getName(), new TopicDraft(r.getName(), r.getTopicId(), new TreeMap<>(), new TreeMap<>()));
    }

    private void createPartition(PartitionRecord r) {
        TopicDraft topic = draft(r.getTopic(), "PartitionRecord");
        if (topic.partitions.containsKey(r.getPartition())) {
            throw new IllegalStateException("PartitionRecord for existing partition " + r.getTopic() + "-" + r.getPartition());
        }
        PartitionState state = new PartitionState(r.getPartition(), r.getReplicasList(), r.getIsrList(),
                r.getLeader(), r.getLeaderEpoch(), r.getPartitionEpoch());
        check(state, r.getTopic(), "PartitionRecord");
        topic.partitions.put(r.getPartition(), state);
    }

    private void changePartition(PartitionChangeRecord r) {
        TopicDraft topic = draft(r.getTopic(), "PartitionChangeRecord");
        PartitionState current = topic.partitions.get(r.getPartition());
        if (current == null) {
            throw new IllegalStateException("PartitionChangeRecord for unknown partition " + r.getTopic() + "-"
                    + r.getPartition());
        }
        if (r.getLeaderEpoch() < current.leaderEpoch() || r.getPartitionEpoch() <= current.partitionEpoch()) {
            throw new IllegalStateException("PartitionChangeRecord for " + r.getTopic() + "-" + r.getPartition()
                    + " moves epochs from (leaderEpoch " + current.leaderEpoch() + ", partitionEpoch "
                    + current.partitionEpoch() + ") to (" + r.getLeaderEpoch() + ", " + r.getPartitionEpoch() + ")");
        }
        PartitionState changed = current.withChange(r.getLeader(), r.getIsrList(), r.getLeaderEpoch(),
                r.getPartitionEpoch());
        check(changed, r.getTopic(), "PartitionChangeRecord");
        topic.partitions.put(r.getPartition(), changed);
    }

    private void setConfigs(TopicConfigRecord r) {
        TopicDraft topic = draft(r.getTopic(), "TopicConfigRecord");
        topic.configs.clear();
        topic.configs.putAll(r.getConfigsMap());
    }

    private void removeTopic(RemoveTopicRecord r) {
        TopicDraft draft = drafts.get(r.getName());
        TopicImage image = draft == null ? currentTopics().get(r.getName()) : null;
        if (draft == null && image == null) {
            throw new IllegalStateException("RemoveTopicRecord for unknown topic '" + r.getName() + "'");
        }
        String topicId = draft != null ? draft.topicId : image.topicId();
        if (!topicId.equals(r.getTopicId())) {
            throw new IllegalStateException("RemoveTopicRecord for topic '" + r.getName() + "' with id "
                    + r.getTopicId() + " but the topic has id " + topicId);
        }
        drafts.remove(r.getName());
        if (currentTopics().containsKey(r.getName())) {
            writableTopics().remove(r.getName());
        }
    }

    private static void check(PartitionState state, String topic, String recordType) {
        state.structuralProblem().ifPresent(problem -> {
            throw new IllegalStateException(recordType + " for " + topic + "-" + state.partition() + ": " + problem);
        });
    }

    private boolean exists(String name) {
        return drafts.containsKey(name) || currentTopics().containsKey(name);
    }

    private TopicDraft draft(String name, String recordType) {
        TopicDraft draft = drafts.get(name);
        if (draft != null) {
            return draft;
        }
        TopicImage image = currentTopics().get(name);
        if (image == null) {
            throw new IllegalStateException(recordType + " for unknown topic '" + name + "'");
        }
        draft = new TopicDraft(name, image.topicId(), new TreeMap<>(image.partitions()), new TreeMap<>(image.configs()));
        drafts.put(name, draft);
        return draft;
    }

    private SortedMap<Integer, BrokerRegistration> currentBrokers() {
        return brokers == null ? base.brokerMap() : brokers;
    }

    private SortedMap<Integer, BrokerRegistration> writableBrokers() {
        if (brokers == null) {
            brokers = new TreeMap<>(base.brokerMap());
        }
        return brokers;
    }

    private SortedMap<String, TopicImage> currentTopics() {
        return topics == null ? base.topicMap() : topics;
    }

    private SortedMap<String, TopicImage> writableTopics() {
        if (topics == null) {
            topics = new TreeMap<>(base.topicMap());
        }
        return topics;
    }

    /** A topic being changed by this batch. */
    private static final class TopicDraft {
        final String name;
        final String topicId;
        final SortedMap<Integer, PartitionState> partitions;
        final SortedMap<String, String> configs;

        TopicDraft(String name, String topicId, SortedMap<Integer, PartitionState> partitions,
                   SortedMap<String, String> configs) {
            this.name = name;
            this.topicId = topicId;
            this.partitions = partitions;
            this.configs = configs;
        }

        TopicImage build() {
            return new TopicImage(name, topicId, partitions, configs);
        }
    }
}
