package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueMachine;
import io.wharf.replication.log.Log;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumers attached to this broker as a queue's leader, by consumer id: their subscriptions
 * and settlements, appended as entries and checked first against what the queue's machine says
 * they hold; the deliveries applying gives them, gathered and sent at the end of the pass; and
 * those closed for holding a delivery longer than the consumer timeout.
 *
 * <p>Leader-only state, confined to the queue thread; {@link #closeAll} drops it when the
 * leadership goes.
 */
final class AttachedConsumers {

    private static final Logger LOG = LoggerFactory.getLogger(AttachedConsumers.class);

    private final TopicPartition topicPartition;
    private final String queue;
    private final QueueBrokerSettings settings;
    private final MessageCache cache;
    private final Supplier<QueueMachine> machine;
    private final MessageBodies bodies;
    private final QueueEntryAppender appender;
    private final Map<String, LocalConsumer> consumers = new LinkedHashMap<>();
    /** Consumers given deliveries by the catch-up under way: they are sent when it ends. */
    private final Set<LocalConsumer> delivering = new LinkedHashSet<>();
    /** Message ids with a settlement appended or pending, not applied yet: acking them again is an error. */
    private final Set<Long> settling = new HashSet<>();
    /** Counted while this broker led the queue: for the metrics. */
    private long redeliveries;

    AttachedConsumers(TopicPartition topicPartition, String queue, QueueBrokerSettings settings, MessageCache cache,
                      Supplier<QueueMachine> machine, MessageBodies bodies, QueueEntryAppender appender) {
        this.topicPartition = topicPartition;
        this.queue = queue;
        this.settings = settings;
        this.cache = cache;
        this.machine = machine;
        this.bodies = bodies;
        this.appender = appender;
    }

    static QueueEntry goneEntry(String consumerId, ConsumerGone.Reason reason) {
        return QueueEntry.newBuilder().setConsumerGone(ConsumerGone.newBuilder().setConsumerId(consumerId)
                .setReason(reason)).build();
    }

    static String newConsumerId() {
        return UUID.randomUUID().toString();
    }

    /** Deliveries of messages delivered before to consumers attached here, while this broker led the queue. */
    long redeliveries() {
        return redeliveries;
    }

    /**
     * Attaches a consumer: its Subscribe is appended, and {@link LocalConsumer#subscribed} is
     * called when it is applied, before its first delivery.
     *
     * @return the refusal (RESOURCE_LOCKED for exclusivity) or empty when it was accepted
     */
    Optional<Error> subscribe(LocalConsumer consumer, int prefetch, boolean exclusive, int priority) {
        Subscribe subscribe = Subscribe.newBuilder().setConsumerId(consumer.consumerId())
                .setConsumerTag(consumer.consumerTag()).setPrefetch(prefetch).setNoAck(consumer.noAck())
                .setExclusive(exclusive).setPriority(priority).build();
        // Consumers attached here whose Subscribe is not applied yet count as well.
        boolean othersHere = !consumers.isEmpty();
        boolean exclusiveHere = consumers.values().stream().anyMatch(LocalConsumer::exclusive);
        Optional<Error> refused = machine.get().canSubscribe(subscribe)
                .map(refusal -> PartitionLookup.error(refusal.code(), refusal.message()));
        if (refused.isEmpty() && (exclusiveHere || exclusive && othersHere)) {
            refused = Optional.of(PartitionLookup.error(ErrorCode.RESOURCE_LOCKED, exclusiveHere
                    ? "queue '" + queue + "' has an exclusive consumer"
                    : "queue '" + queue + "' has other consumers; an exclusive consumer must be the only one"));
        }
        if (refused.isPresent()) {
            return refused;
        }
        consumers.put(consumer.consumerId(), consumer);
        QueueEntry entry = QueueEntry.newBuilder().setSubscribe(subscribe).build();
        appender.submit(entry, new QueueEntryAppender.Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                for (QueueEffect effect : effects) {
                    if (effect instanceof QueueEffect.SubscribeRefused refusal
                            && refusal.consumerId().equals(consumer.consumerId())) {
                        consumers.remove(consumer.consumerId());
                        consumer.close(PartitionLookup.error(refusal.refusal().code(), refusal.refusal().message()));
                        return;
                    }
                }
                consumer.subscribed(machine.get().activeConsumer().map(consumer.consumerId()::equals).orElse(true));
            }

            @Override
            public void failed(Error error) {
                consumers.remove(consumer.consumerId());
                consumer.close(error);
            }
        });
        return Optional.empty();
    }

    /**
     * A consumer's ack or nack of {@code tag} (and, with {@code multiple}, of every earlier one it
     * holds).
     *
     * @return UNKNOWN_DELIVERY_TAG when it does not hold {@code tag} (the caller closes it)
     */
    Optional<Error> settle(LocalConsumer consumer, long tag, boolean multiple, Settle.Outcome outcome,
                           boolean confirm) {
        String consumerId = consumer.consumerId();
        QueueMachine machine = this.machine.get();
        if (!machine.isHeldBy(consumerId, tag) || settling.contains(tag)) {
            return Optional.of(unknownTag(consumer, tag));
        }
        List<Long> ids = new ArrayList<>();
        if (multiple) {
            for (long id : machine.heldBy(consumerId)) {
                if (id <= tag && !settling.contains(id)) {
                    ids.add(id);
                }
            }
        } else {
            ids.add(tag);
        }
        addSettle(consumerId, ids, outcome, confirm);
        return Optional.empty();
    }

    /**
     * A consumer's acks or nacks of several deliveries, each alone, as one settle entry. They are
     * taken in order, as if sent one by one: those before a tag it does not hold are settled.
     *
     * @return UNKNOWN_DELIVERY_TAG for the first tag it does not hold (the caller closes it)
     */
    Optional<Error> settleEach(LocalConsumer consumer, List<Long> tags, Settle.Outcome outcome, boolean confirm) {
        String consumerId = consumer.consumerId();
        List<Long> ids = new ArrayList<>(tags.size());
        Set<Long> seen = new HashSet<>();
        Optional<Error> refused = Optional.empty();
        for (long tag : tags) {
            if (!machine.get().isHeldBy(consumerId, tag) || settling.contains(tag) || !seen.add(tag)) {
                refused = Optional.of(unknownTag(consumer, tag));
                break;
            }
            ids.add(tag);
        }
        if (!ids.isEmpty()) {
            addSettle(consumerId, ids, outcome, confirm);
        }
        return refused;
    }

    private Error unknownTag(LocalConsumer consumer, long tag) {
        return PartitionLookup.error(ErrorCode.UNKNOWN_DELIVERY_TAG, "delivery tag " + tag
                + " is not held by consumer '" + consumer.consumerTag() + "' of queue '" + queue
                + "': it was never delivered to it, or was already acked, nacked or rejected");
    }

    private void addSettle(String consumerId, List<Long> ids, Settle.Outcome outcome, boolean confirm) {
        settling.addAll(ids);
        // Where their bodies are, looked up now: once the settle is applied the machine forgets them.
        List<Long> locations = new ArrayList<>();
        ids.forEach(id -> machine.get().location(id).ifPresent(locations::add));
        QueueEntry entry = QueueEntry.newBuilder().setSettle(Settle.newBuilder().setConsumerId(consumerId)
                .addAllMessageIds(ids).setOutcome(outcome)).build();
        appender.submit(entry, new QueueEntryAppender.Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                ids.forEach(settling::remove);
                if (outcome != Settle.Outcome.REQUEUE) {
                    locations.forEach(location -> cache.remove(topicPartition, location));
                }
                LocalConsumer consumer = consumers.get(consumerId);
                if (confirm && consumer != null) {
                    consumer.settled(ids);
                }
            }

            @Override
            public void failed(Error error) {
                ids.forEach(settling::remove);
            }
        });
    }

    /** The consumer's stream ended: what it holds goes back to the queue once that is applied. */
    void gone(String consumerId, ConsumerGone.Reason reason) {
        LocalConsumer removed = consumers.remove(consumerId);
        if (removed != null) {
            appender.submit(goneEntry(consumerId, reason), null);
        }
    }

    /**
     * Hands an applied delivery to its consumer when that is attached here, to be sent by
     * {@link #sendDeliveries}; a no-ack consumer's is settled at once.
     */
    void deliver(QueueEffect.Deliver deliver, Log log) {
        LocalConsumer consumer = consumers.get(deliver.consumerId());
        if (consumer == null) {
            return;  // gone, or a Get's transient consumer; its ConsumerGone returns the message
        }
        if (deliver.redelivered()) {
            redeliveries++;
        }
        consumer.deliver(Delivery.newBuilder().setDeliveryTag(deliver.id())
                .setRedelivered(deliver.redelivered()).setDeliveryCount(deliver.deliveryCount())
                .setMessage(bodies.message(log, deliver.location())).setQueue(queue).build());
        delivering.add(consumer);
        if (consumer.noAck()) {
            addSettle(consumer.consumerId(), List.of(deliver.id()), Settle.Outcome.ACK, false);
        }
    }

    /** A single active consumer's turn came: it receives messages now. */
    void activated(String consumerId) {
        LocalConsumer consumer = consumers.get(consumerId);
        if (consumer != null) {
            consumer.subscribed(true);
        }
    }

    /**
     * Sends each consumer what this catch-up delivered to it, as one message, in the same turn
     * of the queue thread: a consumer's latency is a commit's, not a commit's plus a wait behind
     * the queue thread's other tasks.
     */
    void sendDeliveries() {
        delivering.forEach(LocalConsumer::sendDeliveries);
        delivering.clear();
    }

    /**
     * Closes the consumers holding a delivery longer than the queue's consumer timeout
     * (PRECONDITION_FAILED): what they held goes back to the queue.
     */
    void closeOverdue(long nowMs) {
        for (LocalConsumer overdue : overdue(nowMs)) {
            LOG.info("Queue '{}': consumer {} held a delivery longer than the consumer timeout; closing it",
                    queue, overdue.consumerTag());
            gone(overdue.consumerId(), ConsumerGone.Reason.TIMEOUT);
            overdue.close(PartitionLookup.error(ErrorCode.PRECONDITION_FAILED, "delivery acknowledgement "
                    + "timed out: a message was held unacked longer than the consumer timeout; its messages "
                    + "were returned to queue '" + queue + "'"));
        }
    }

    private List<LocalConsumer> overdue(long nowMs) {
        List<LocalConsumer> overdue = new ArrayList<>();
        for (String consumerId : machine.get().overdue(nowMs, settings.consumerTimeoutMs())) {
            LocalConsumer consumer = consumers.get(consumerId);
            if (consumer != null) {
                overdue.add(consumer);
            }
        }
        return overdue;
    }

    /** The leadership is gone: every consumer attached here is closed with {@code why}, and forgotten. */
    void closeAll(Error why) {
        for (LocalConsumer consumer : List.copyOf(consumers.values())) {
            consumer.close(why);
        }
        consumers.clear();
        settling.clear();
    }
}
