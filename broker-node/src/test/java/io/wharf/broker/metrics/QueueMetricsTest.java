package io.wharf.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.queue.QueueFigures;
import io.wharf.queue.DeathReason;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What the queue figures the queue thread published put in the exposition a scrape would serve. */
class QueueMetricsTest {

    private final BrokerMetrics metrics = new BrokerMetrics(List::of);
    private final AtomicReference<Map<String, QueueFigures>> published = new AtomicReference<>(Map.of());

    QueueMetricsTest() {
        metrics.registry().register(new QueueMetrics(published::get));
    }

    @Test
    void eachServedQueueHasItsSeriesUnderItsName() {
        published.set(Map.of(
                "orders", new QueueFigures(5, 2, 640, 1, 3, 4, 6, Map.of(DeathReason.EXPIRED, 7L), 11, 9, 8),
                "audit", new QueueFigures(1, 0, 10, 0, 0, 0, 0, Map.of(), 1, 0, 0)));

        Exposition scraped = Exposition.scrape(metrics.registry());
        Map<String, Double> orders = Map.ofEntries(
                Map.entry("wharf_queue_messages_ready", 5.0),
                Map.entry("wharf_queue_messages_unacked", 2.0),
                Map.entry("wharf_queue_ready_bytes", 640.0),
                Map.entry("wharf_queue_consumers", 1.0),
                Map.entry("wharf_queue_dead_lettering", 3.0),
                Map.entry("wharf_queue_redeliveries_total", 4.0),
                Map.entry("wharf_queue_dead_letters_dropped_total", 6.0),
                Map.entry("wharf_queue_published_total", 11.0),
                Map.entry("wharf_queue_delivered_total", 9.0),
                Map.entry("wharf_queue_acked_total", 8.0));
        orders.forEach((name, value) -> assertEquals(Optional.of(value), scraped.value(name, "queue", "orders"), name));
        assertEquals(Optional.of(1.0), scraped.value("wharf_queue_messages_ready", "queue", "audit"));
        assertEquals(Optional.of(10.0), scraped.value("wharf_queue_ready_bytes", "queue", "audit"));

        assertEquals(Optional.of(7.0), scraped.value("wharf_queue_messages_discarded_total",
                "queue", "orders", "reason", "expired"));
        for (DeathReason reason : List.of(DeathReason.REJECTED, DeathReason.MAXLEN, DeathReason.DELIVERY_LIMIT)) {
            assertEquals(Optional.of(0.0), scraped.value("wharf_queue_messages_discarded_total",
                    "queue", "orders", "reason", reason.text()), "every reason is served from the start: " + reason);
        }

        assertEquals(Optional.of("gauge"), scraped.type("wharf_queue_messages_ready"));
        assertEquals(Optional.of("gauge"), scraped.type("wharf_queue_dead_lettering"));
        assertEquals(Optional.of("counter"), scraped.type("wharf_queue_redeliveries_total"));
        assertEquals(Optional.of("counter"), scraped.type("wharf_queue_messages_discarded_total"));
    }

    @Test
    void aQueueNoLongerServedHereDisappears() {
        published.set(Map.of("orders", new QueueFigures(5, 0, 50, 0, 0, 0, 0, Map.of(), 5, 0, 0)));
        assertEquals(Optional.of(5.0), Exposition.scrape(metrics.registry())
                .value("wharf_queue_messages_ready", "queue", "orders"));

        published.set(Map.of());
        Exposition scraped = Exposition.scrape(metrics.registry());
        for (String name : List.of("wharf_queue_messages_ready", "wharf_queue_published_total",
                "wharf_queue_messages_discarded_total")) {
            assertTrue(scraped.samples(name, "queue", "orders").isEmpty(), name + " still served");
        }
    }
}
