package io.wharf.queue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.Subscribe;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The consumers of a queue in subscription order, who may receive deliveries (round-robin among
 * those with credit; with single active consumer, only the active one), and which one is next.
 * Mutable; owned by one {@link QueueMachine}.
 */
final class Consumers {
    private final boolean singleActive;
    private final TreeMap<Long, Consumer> byOrder = new TreeMap<>();
    private final Map<String, Consumer> byId = new HashMap<>();
    private long nextSubscriptionOrder;
    /** The round-robin position: the next delivery goes to the first eligible consumer at or after it. */
    private long rotation;
    /** With single active consumer: who receives deliveries; null before anyone subscribed. */
    private String active;

    Consumers(boolean singleActive) {
        this.singleActive = singleActive;
    }

    /**
     * The consumers of a checkpoint, renumbered 0, 1, 2... in their order; the rotation is written as
     * a rank in that order, so the restored machine picks the same next consumer as the original.
     */
    static Consumers restore(Checkpoint checkpoint, boolean singleActive) {
        Consumers consumers = new Consumers(singleActive);
        for (Subscribe subscribe : checkpoint.getConsumersList()) {
            // A checkpoint lists each consumer once; stay total if one does not.
            if (!consumers.byId.containsKey(subscribe.getConsumerId())) {
                consumers.add(subscribe);
            }
        }
        consumers.rotation = checkpoint.getNextConsumerOrder();
        String active = checkpoint.getActiveConsumer();
        consumers.active = singleActive && consumers.byId.containsKey(active) ? active : null;
        return consumers;
    }

    void writeTo(Checkpoint.Builder checkpoint) {
        byOrder.values().forEach(consumer -> checkpoint.addConsumers(consumer.subscription()));
        checkpoint.setNextConsumerOrder(byOrder.headMap(rotation, false).size());
        if (active != null) {
            checkpoint.setActiveConsumer(active);
        }
    }

    /** Why {@code subscribe} may not be registered now, if it may not. */
    Optional<SubscribeRefusal> check(Subscribe subscribe) {
        if (byId.containsKey(subscribe.getConsumerId())) {
            return Optional.of(new SubscribeRefusal(ErrorCode.INVALID_REQUEST,
                    "consumer id " + subscribe.getConsumerId() + " is already subscribed"));
        }
        for (Consumer consumer : byOrder.values()) {
            if (consumer.subscription().getExclusive()) {
                return Optional.of(new SubscribeRefusal(ErrorCode.RESOURCE_LOCKED,
                        "the queue has an exclusive consumer"));
            }
        }
        if (subscribe.getExclusive() && !byOrder.isEmpty()) {
            return Optional.of(new SubscribeRefusal(ErrorCode.RESOURCE_LOCKED,
                    "cannot consume exclusively: the queue has other consumers"));
        }
        return Optional.empty();
    }

    /** Registers a consumer that passed {@link #check}, last in subscription order. */
    void add(Subscribe subscribe) {
        Consumer consumer = new Consumer(subscribe, nextSubscriptionOrder++);
        byOrder.put(consumer.order(), consumer);
        byId.put(consumer.id(), consumer);
    }

    /** Unregisters a consumer; returns it (with what it held), or null when it is unknown. */
    Consumer remove(String consumerId) {
        Consumer consumer = byId.remove(consumerId);
        if (consumer != null) {
            byOrder.remove(consumer.order());
            if (consumer.id().equals(active)) {
                active = null;
            }
        }
        return consumer;
    }

    /** The consumer, or null when it is not subscribed. */
    Consumer get(String consumerId) {
        return byId.get(consumerId);
    }

    /**
     * With single active consumer, makes the right consumer active: the best waiting one (highest
     * priority, then earliest) when none is active, or when it has a higher priority than the active
     * one and the active one holds nothing any more (RabbitMQ 4's takeover; until then the active one
     * gets no new deliveries, see {@link #next}).
     *
     * @return the consumer that became active, if one did
     */
    Optional<String> activate() {
        if (!singleActive) {
            return Optional.empty();
        }
        Consumer current = active == null ? null : byId.get(active);
        Consumer best = bestWaiting();
        if (best == null) {
            return Optional.empty();
        }
        if (current == null || (best.priority() > current.priority() && current.held().isEmpty())) {
            active = best.id();
            return Optional.of(active);
        }
        return Optional.empty();
    }

    /** The next consumer, in round-robin order, that may receive a delivery now; null when none may. */
    Consumer next() {
        if (singleActive) {
            Consumer current = active == null ? null : byId.get(active);
            if (current == null || !current.hasCredit()) {
                return null;
            }
            // A waiting consumer of higher priority is taking over: let the active one drain.
            Consumer best = bestWaiting();
            return best != null && best.priority() > current.priority() ? null : current;
        }
        for (Consumer consumer : byOrder.tailMap(rotation, true).values()) {
            if (consumer.hasCredit()) {
                return consumer;
            }
        }
        for (Consumer consumer : byOrder.headMap(rotation, false).values()) {
            if (consumer.hasCredit()) {
                return consumer;
            }
        }
        return null;
    }

    /** Records a delivery of {@code id} to {@code consumer}; the next delivery goes to the one after it. */
    void hold(Consumer consumer, long id) {
        consumer.hold(id);
        rotation = consumer.order() + 1;
    }

    /** Whether the consumer may receive deliveries at all (ignoring credit). */
    boolean isActive(Consumer consumer) {
        return !singleActive || consumer.id().equals(active);
    }

    /** With single active consumer, the active one. */
    Optional<String> active() {
        return Optional.ofNullable(active);
    }

    List<Consumer> all() {
        return new ArrayList<>(byOrder.values());
    }

    private Consumer bestWaiting() {
        Consumer best = null;
        for (Consumer consumer : byOrder.values()) {
            if (!consumer.id().equals(active) && (best == null || consumer.outranks(best))) {
                best = consumer;
            }
        }
        return best;
    }
}
