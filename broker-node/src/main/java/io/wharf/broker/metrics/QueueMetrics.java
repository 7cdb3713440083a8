package io.wharf.broker.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.queue.DeathReason;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;

/**
 * The per-queue series ({@code wharf_queue_*}, labelled {@code queue}), a collector for the
 * broker's registry ({@link BrokerMetrics#registry()}): only for the queues this broker serves, from the figures the
 * queue thread published at its last upkeep round. Listed in {@code docs/metrics.md}.
 *
 * <p>Thread-safe: a scrape reads the published figures once, so every family of one scrape shows
 * the same round, and never touches a queue's state.
 */
public final class QueueMetrics implements MultiCollector {

    /** A family of one value per queue. */
    private record Family(String name, Unit unit, String help, ToLongFunction<QueueFigures> value) {
    }

    private static final List<Family> GAUGES = List.of(
            new Family("wharf_queue_messages_ready", null, "Messages waiting for a consumer.",
                    QueueFigures::ready),
            new Family("wharf_queue_messages_unacked", null, "Messages delivered and not acknowledged yet.",
                    QueueFigures::unacked),
            new Family("wharf_queue_ready_bytes", Unit.BYTES, "Bytes of the ready messages.", QueueFigures::readyBytes),
            new Family("wharf_queue_consumers", null, "Consumers registered on the queue.", QueueFigures::consumers),
            new Family("wharf_queue_dead_lettering", null,
                    "Messages that died and wait to be stored in the dead-letter exchange's queues.",
                    QueueFigures::deadLettering));
    /** Names without {@code _total}: the exposition adds it to a counter. */
    private static final List<Family> COUNTERS = List.of(
            new Family("wharf_queue_published", null,
                    "Messages stored in the queue while this broker led it.", QueueFigures::published),
            new Family("wharf_queue_delivered", null,
                    "Deliveries (to consumers and basic.get) while this broker led the queue.",
                    QueueFigures::delivered),
            new Family("wharf_queue_acked", null,
                    "Deliveries acknowledged while this broker led the queue.", QueueFigures::acked),
            new Family("wharf_queue_redeliveries", null,
                    "Deliveries to consumers of messages delivered before, while this broker led the queue.",
                    QueueFigures::redeliveries),
            new Family("wharf_queue_dead_letters_dropped", null,
                    "Dead letters dropped (no exchange, no route, too large) while this broker led the queue.",
                    QueueFigures::deadLettersDropped));
    private static final String DISCARDED = "wharf_queue_messages_discarded";
    private static final String OLDEST_AGE = "wharf_queue_oldest_message_age_seconds";
    private static final String DEAD_LETTERS = "wharf_queue_dead_letters";
    private static final double MILLIS_PER_SECOND = 1000.0;

    private final Supplier<Map<String, QueueFigures>> figures;
    private final Clock clock;

    /**
     * @param figures the figures of the queues this broker serves, by name; asked once per scrape,
     *                from the scrape's thread
     * @param clock   what a scrape measures the oldest message's age against
     */
    public QueueMetrics(Supplier<Map<String, QueueFigures>> figures, Clock clock) {
        this.figures = figures;
        this.clock = clock;
    }

    @Override
    public MetricSnapshots collect() {
        // Sorted by name, so that a queue's series keep their place from one scrape to the next.
        Map<String, QueueFigures> queues = new TreeMap<>(figures.get());
        List<MetricSnapshot> snapshots = new ArrayList<>();
        for (Family family : GAUGES) {
            GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(family.name()).unit(family.unit())
                    .help(family.help());
            queues.forEach((queue, figures) -> gauge.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("queue", queue)).value(family.value().applyAsLong(figures)).build()));
            snapshots.add(gauge.build());
        }
        for (Family family : COUNTERS) {
            CounterSnapshot.Builder counter = CounterSnapshot.builder().name(family.name()).help(family.help());
            queues.forEach((queue, figures) -> counter.dataPoint(CounterDataPointSnapshot.builder()
                    .labels(Labels.of("queue", queue)).value(family.value().applyAsLong(figures)).build()));
            snapshots.add(counter.build());
        }
        CounterSnapshot.Builder discarded = CounterSnapshot.builder().name(DISCARDED)
                .help("Messages that died in a queue without a dead-letter exchange, by reason, "
                        + "while this broker led the queue.");
        queues.forEach((queue, figures) -> {
            for (DeathReason reason : DeathReason.values()) {
                discarded.dataPoint(CounterDataPointSnapshot.builder()
                        .labels(Labels.of("queue", queue, "reason", reason.text()))
                        .value(figures.discarded().get(reason)).build());
            }
        });
        snapshots.add(discarded.build());
        snapshots.add(oldestAge(queues));
        snapshots.add(deadLetters(queues));
        return new MetricSnapshots(snapshots);
    }

    /**
     * Measured at the scrape rather than at the upkeep round, so the age keeps growing between
     * rounds; a clock behind the message's timestamp (another leader's) reads as 0, not negative.
     */
    private GaugeSnapshot oldestAge(Map<String, QueueFigures> queues) {
        long nowMs = clock.millis();
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(OLDEST_AGE)
                .help("Seconds since the oldest message the queue holds (ready, unacked or dead-lettering) was "
                        + "stored; 0 when it holds none.");
        queues.forEach((queue, figures) -> {
            long storedAt = figures.oldestEnqueuedAtMs();
            double age = storedAt == 0 ? 0 : Math.max(0, nowMs - storedAt) / MILLIS_PER_SECOND;
            gauge.dataPoint(GaugeDataPointSnapshot.builder().labels(Labels.of("queue", queue)).value(age).build());
        });
        return gauge.build();
    }

    /**
     * Every reason of x-death is served for every queue (0 when none), so a query over a reason
     * never finds it missing; a reason from elsewhere (the SDK's error.cause) only while present.
     */
    private static GaugeSnapshot deadLetters(Map<String, QueueFigures> queues) {
        GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(DEAD_LETTERS)
                .help("Messages the queue holds that came as dead letters, by the reason they died last.");
        queues.forEach((queue, figures) -> {
            Map<String, Integer> byReason = new TreeMap<>();
            for (DeathReason reason : DeathReason.values()) {
                byReason.put(reason.text(), 0);
            }
            byReason.putAll(figures.deadLetters());
            byReason.forEach((reason, count) -> gauge.dataPoint(GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("queue", queue, "reason", reason)).value(count).build()));
        });
        return gauge.build();
    }
}
