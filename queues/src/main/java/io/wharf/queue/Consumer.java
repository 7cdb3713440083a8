package io.wharf.queue;

import io.wharf.proto.queue.Subscribe;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * A subscribed consumer and the ids of the messages it holds. Mutable (its held set); owned by
 * {@link Consumers}.
 */
final class Consumer {
    private Subscribe subscription;
    /** Its place in subscription order: the round-robin and single-active-consumer tie-breaks follow it. */
    private final long order;
    private final TreeSet<Long> held = new TreeSet<>();

    Consumer(Subscribe subscription, long order) {
        this.subscription = subscription;
        this.order = order;
    }

    String id() {
        return subscription.getConsumerId();
    }

    Subscribe subscription() {
        return subscription;
    }

    /** basic.qos on a live consumer: its subscription as checkpointed carries the new prefetch. */
    void setPrefetch(int prefetch) {
        subscription = subscription.toBuilder().setPrefetch(prefetch).build();
    }

    long order() {
        return order;
    }

    int priority() {
        return subscription.getPriority();
    }

    /** The ids it holds, ascending (a read-only view). */
    SortedSet<Long> held() {
        return Collections.unmodifiableSortedSet(held);
    }

    void hold(long id) {
        held.add(id);
    }

    /** Returns false when it did not hold {@code id}. */
    boolean release(long id) {
        return held.remove(id);
    }

    boolean hasCredit() {
        return subscription.getPrefetch() <= 0 || held.size() < subscription.getPrefetch();
    }

    /** Whether this consumer comes before {@code other} when picking the single active one. */
    boolean outranks(Consumer other) {
        return priority() != other.priority() ? priority() > other.priority() : order < other.order;
    }
}
