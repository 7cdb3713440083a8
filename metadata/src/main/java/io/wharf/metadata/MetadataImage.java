package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.metadata.MetadataRecordBatch;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The whole cluster metadata (brokers, topics, the producer-id counter, and RabbitMQ's exchanges,
 * queues and bindings) as of one metadata offset: the fold of every
 * record batch up to and including that offset. Immutable; {@link #apply} returns a new image
 * that shares every topic the batch did not touch.
 */
public final class MetadataImage {

    private static final MetadataImage EMPTY =
            new MetadataImage(-1, Collections.emptySortedMap(), Collections.emptySortedMap(), 0,
                    Collections.emptySortedMap(), Collections.emptySortedMap(), Bindings.empty());

    private final long offset;
    private final SortedMap<Integer, BrokerRegistration> brokers;
    private final SortedMap<String, TopicImage> topics;
    private final List<Integer> activeBrokerIds;
    private final long nextProducerId;
    /** Declared exchanges only; {@link #exchanges} adds the built-ins. */
    private final SortedMap<String, ExchangeImage> declaredExchanges;
    private final SortedMap<String, ExchangeImage> exchanges;
    private final SortedMap<String, QueueImage> queues;
    private final Bindings bindings;

    /** Takes ownership of the maps, which the caller must not change afterwards. */
    MetadataImage(long offset, SortedMap<Integer, BrokerRegistration> brokers, SortedMap<String, TopicImage> topics,
                  long nextProducerId, SortedMap<String, ExchangeImage> declaredExchanges,
                  SortedMap<String, QueueImage> queues, Bindings bindings) {
        this.offset = offset;
        this.nextProducerId = nextProducerId;
        this.brokers = Collections.unmodifiableSortedMap(brokers);
        this.topics = Collections.unmodifiableSortedMap(topics);
        this.declaredExchanges = Collections.unmodifiableSortedMap(declaredExchanges);
        if (declaredExchanges.isEmpty()) {
            this.exchanges = BuiltinExchanges.all();
        } else {
            SortedMap<String, ExchangeImage> all = new TreeMap<>(BuiltinExchanges.all());
            all.putAll(declaredExchanges);
            this.exchanges = Collections.unmodifiableSortedMap(all);
        }
        this.queues = Collections.unmodifiableSortedMap(queues);
        this.bindings = bindings;
        List<Integer> active = new ArrayList<>();
        for (BrokerRegistration broker : brokers.values()) {
            if (!broker.fenced()) {
                active.add(broker.id());
            }
        }
        this.activeBrokerIds = List.copyOf(active);
    }

    /** The image before any record: offset -1, no brokers, no topics. */
    public static MetadataImage empty() {
        return EMPTY;
    }

    /** The metadata offset (Ratis log index) of the last batch applied, -1 when empty. */
    public long offset() {
        return offset;
    }

    /** Every registered broker by id, sorted by id; unmodifiable. */
    public Map<Integer, BrokerRegistration> brokers() {
        return brokers;
    }

    /** One broker, empty when it never registered. */
    public Optional<BrokerRegistration> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    /** True when {@code id} is registered and not fenced. */
    public boolean isActive(int id) {
        BrokerRegistration broker = brokers.get(id);
        return broker != null && !broker.fenced();
    }

    /** Every topic by name, sorted by name; unmodifiable. */
    public Map<String, TopicImage> topics() {
        return topics;
    }

    /** One topic, empty when it does not exist. */
    public Optional<TopicImage> topic(String name) {
        return Optional.ofNullable(topics.get(name));
    }

    /** The ids of the registered, unfenced brokers in ascending order. */
    public List<Integer> activeBrokerIds() {
        return activeBrokerIds;
    }

    /**
     * The first producer id not yet handed to a broker: every id below it was allocated
     * (AllocateProducerIds), so a batch naming a producer id at or above it is not from a producer
     * this cluster created. 0 before the first allocation.
     */
    public long nextProducerId() {
        return nextProducerId;
    }

    /**
     * Every exchange by name, sorted by name: the declared ones and the built-ins ("" and amq.*,
     * see {@link BuiltinExchanges}), which have no records; unmodifiable.
     */
    public Map<String, ExchangeImage> exchanges() {
        return exchanges;
    }

    /** One exchange (declared or built in), empty when it does not exist. */
    public Optional<ExchangeImage> exchange(String name) {
        return Optional.ofNullable(exchanges.get(name));
    }

    /** Every queue by name, sorted by name; unmodifiable. */
    public Map<String, QueueImage> queues() {
        return queues;
    }

    /** One queue, empty when it does not exist. */
    public Optional<QueueImage> queue(String name) {
        return Optional.ofNullable(queues.get(name));
    }

    /** Every binding, in canonical order (see {@link Bindings}); the default exchange's implicit ones are not listed. */
    public List<BindingInfo> bindings() {
        return bindings.all();
    }

    /** The bindings as a value that finds them by source, for routing. */
    public Bindings bindingSet() {
        return bindings;
    }

    /**
     * The image after the records of {@code batch}, applied in order; its offset is the batch's.
     *
     * @throws IllegalStateException when the batch does not fit this image (an offset not above
     *         this image's, or a record that contradicts it such as a change of an unknown
     *         partition). Replay failure is fatal: the caller must stop rather than diverge.
     */
    public MetadataImage apply(MetadataRecordBatch batch) {
        if (batch.getOffset() <= offset) {
            throw new IllegalStateException("metadata batch at offset " + batch.getOffset()
                    + " does not follow the image at offset " + offset);
        }
        MetadataDelta delta = new MetadataDelta(this);
        for (int i = 0; i < batch.getRecordsCount(); i++) {
            try {
                delta.replay(batch.getRecords(i));
            } catch (IllegalStateException e) {
                throw new IllegalStateException("cannot apply record " + i + " of the batch at offset "
                        + batch.getOffset() + " to the image at offset " + offset + ": " + e.getMessage(), e);
            }
        }
        return delta.build(batch.getOffset());
    }

    SortedMap<Integer, BrokerRegistration> brokerMap() {
        return brokers;
    }

    SortedMap<String, TopicImage> topicMap() {
        return topics;
    }

    SortedMap<String, ExchangeImage> declaredExchanges() {
        return declaredExchanges;
    }

    SortedMap<String, QueueImage> queueMap() {
        return queues;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof MetadataImage other)) {
            return false;
        }
        return offset == other.offset && nextProducerId == other.nextProducerId && brokers.equals(other.brokers)
                && topics.equals(other.topics) && declaredExchanges.equals(other.declaredExchanges)
                && queues.equals(other.queues) && bindings.equals(other.bindings);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, brokers, topics, nextProducerId, declaredExchanges, queues, bindings);
    }

    @Override
    public String toString() {
        return "MetadataImage{offset=" + offset + ", brokers=" + brokers.values() + ", topics=" + topics.values()
                + ", nextProducerId=" + nextProducerId + ", exchanges=" + declaredExchanges.values() + ", queues="
                + queues.values() + ", bindings=" + bindings + "}";
    }
}
