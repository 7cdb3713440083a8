package io.wharf.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The history of a queue workload — what was published, confirmed, delivered and acked — and the
 * checks of RabbitMQ's Jepsen analyses: no <b>confirmed</b> message lost, nothing
 * <b>unexpected</b> (never published) delivered, and no message delivered again after its ack
 * was confirmed (<b>acked redelivered</b>). Redelivery of an unacked message is allowed and
 * only counted. Thread-safe: publisher and consumer callbacks record into it.
 */
final class QueueDeliveries {

    private final Set<String> published = ConcurrentHashMap.newKeySet();
    private final Set<String> confirmed = ConcurrentHashMap.newKeySet();
    private final Set<String> delivered = ConcurrentHashMap.newKeySet();
    private final Set<String> ackConfirmed = ConcurrentHashMap.newKeySet();
    private final Set<String> ackedThenDeliveredAgain = ConcurrentHashMap.newKeySet();
    private final AtomicLong deliveries = new AtomicLong();

    void published(String body) {
        published.add(body);
    }

    void confirmed(String body) {
        confirmed.add(body);
    }

    /** A delivery of {@code body}, redelivered or not. */
    void delivered(String body) {
        deliveries.incrementAndGet();
        if (ackConfirmed.contains(body)) {
            ackedThenDeliveredAgain.add(body);
        }
        delivered.add(body);
    }

    /** The broker confirmed the consumer's ack of {@code body}: it must never come back. */
    void ackConfirmed(String body) {
        ackConfirmed.add(body);
    }

    int confirmedCount() {
        return confirmed.size();
    }

    int deliveredCount() {
        return delivered.size();
    }

    long deliveries() {
        return deliveries.get();
    }

    boolean everyConfirmedDelivered() {
        return delivered.containsAll(confirmed);
    }

    /** One line per kind of anomaly found (with up to 10 examples); empty when the history is clean. */
    List<String> anomalies() {
        List<String> anomalies = new ArrayList<>();
        Set<String> lost = new TreeSet<>(confirmed);
        lost.removeAll(delivered);
        Set<String> unexpected = new TreeSet<>(delivered);
        unexpected.removeAll(published);
        describe(anomalies, "lost (confirmed, never delivered)", lost);
        describe(anomalies, "unexpected (delivered, never published)", unexpected);
        describe(anomalies, "acked redelivered (delivered after its ack was confirmed)",
                new TreeSet<>(ackedThenDeliveredAgain));
        return anomalies;
    }

    private static void describe(List<String> anomalies, String kind, Set<String> bodies) {
        if (!bodies.isEmpty()) {
            anomalies.add(bodies.size() + " " + kind + ", e.g. " + bodies.stream().limit(10).toList());
        }
    }
}
