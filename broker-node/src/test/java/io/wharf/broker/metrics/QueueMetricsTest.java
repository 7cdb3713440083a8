package io.wharf.broker.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.queue.QueueFigures;
import io.wharf.queue.DeathReason;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** What the queue figures the queue thread published put in the exposition a scrape would serve. */
class QueueMetricsTest {

    private static final long NOW_MS = 1_800_000_000_000L;

    private final BrokerMetrics metrics = new BrokerMetrics(List::of);
    private final AtomicReference<Map<String, QueueFigures>> published = new AtomicReference<>(Map.of());

    QueueMetricsTest() {
        metrics.registry().register(new QueueMetrics(published::get,
                Clock.fixed(Instant.ofEpochMilli(NOW_MS), ZoneOffset.UTC)));
    }

    @Test
    void eachServedQueueHasItsSeriesUnderItsName() {
        published.set(Map.of(
                "orders", new QueueFigures(5, 2, 640, 1, 3, 4, 6, Map.of(DeathReason.EXPIRED, 7L), 11, 9, 8,
                        NOW_MS - 90_500, Map.of("rejected", 4, "blocked_by_previous_failure", 2)),
                "audit", new QueueFigures(1, 0, 10, 0, 0, 0, 0, Map.of(), 1, 0, 0, 0, Map.of())));

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

        assertEquals(Optional.of(90.5), scraped.value("wharf_queue_oldest_message_age_seconds", "queue", "orders"));
        assertEquals(Optional.of(0.0), scraped.value("wharf_queue_oldest_message_age_seconds", "queue", "audit"),
                "audit's oldest message time is unknown (0): no age rather than 56 years");
        assertEquals(Optional.of(4.0), scraped.value("wharf_queue_dead_letters", "queue", "orders", "reason", "rejected"));
        assertEquals(Optional.of(2.0), scraped.value("wharf_queue_dead_letters", "queue", "orders",
                "reason", "blocked_by_previous_failure"), "a cause the SDK wrote is served while present");
        for (DeathReason reason : DeathReason.values()) {
            assertEquals(Optional.of(0.0), scraped.value("wharf_queue_dead_letters", "queue", "audit",
                    "reason", reason.text()), "every x-death reason is served: " + reason);
        }

        assertEquals(Optional.of("gauge"), scraped.type("wharf_queue_messages_ready"));
        assertEquals(Optional.of("gauge"), scraped.type("wharf_queue_dead_letters"));
        assertEquals(Optional.of("gauge"), scraped.type("wharf_queue_dead_lettering"));
        assertEquals(Optional.of("counter"), scraped.type("wharf_queue_redeliveries_total"));
        assertEquals(Optional.of("counter"), scraped.type("wharf_queue_messages_discarded_total"));
    }

    @Test
    void aQueueNoLongerServedHereDisappears() {
        published.set(Map.of("orders", new QueueFigures(5, 0, 50, 0, 0, 0, 0, Map.of(), 5, 0, 0, 0, Map.of())));
        assertEquals(Optional.of(5.0), Exposition.scrape(metrics.registry())
                .value("wharf_queue_messages_ready", "queue", "orders"));

        published.set(Map.of());
        Exposition scraped = Exposition.scrape(metrics.registry());
        for (String name : List.of("wharf_queue_messages_ready", "wharf_queue_published_total",
                "wharf_queue_messages_discarded_total", "wharf_queue_oldest_message_age_seconds",
                "wharf_queue_dead_letters")) {
            assertTrue(scraped.samples(name, "queue", "orders").isEmpty(), name + " still served");
        }
    }
}
