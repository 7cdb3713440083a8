package io.wharf.cli.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.dlq.DeadLetterReader;
import io.wharf.cli.dlq.DeadLetterRoutes;
import io.wharf.cli.dlq.DeadLetterView;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.QueueDescription;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wharf dlq list [--sample N]}: every dead-letter queue (a queue some queue's
 * {@code x-dead-letter-exchange} routes to) with its depth, consumers and source queues, and —
 * from the first N messages, peeked without taking them (see {@link DeadLetterReader} for the
 * cost) — the age of the oldest dead letter and the count by reason. Warns about a dead-letter
 * queue nobody consumes and about a dead-letter exchange that is missing or routes nowhere (its
 * dead letters are dropped). Single-threaded.
 */
@Command(name = "list", description = "List the dead-letter queues: depth, consumers, source queues, oldest age "
        + "and reasons; warn when nobody watches one or a dead-letter exchange drops.")
public final class DlqListCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Option(names = "--sample", defaultValue = "100", paramLabel = "N",
            description = "Peek at up to N messages of each dead-letter queue for the oldest age and the reasons; "
                    + "each comes back with redelivered set; 0 peeks at none (default ${DEFAULT-VALUE}).")
    int sample;

    public DlqListCommand(CliEnvironment env) {
        this.env = env;
    }

    /**
     * One dead-letter queue.
     *
     * @param oldestAgeSeconds age of the oldest sampled dead letter's death into it; null when none was sampled
     * @param reasons sampled dead letters by the reason they died last
     */
    record Entry(String queue, long depth, long ready, long unacked, int consumers, List<String> sources,
                 long sampled, @JsonProperty("oldest_age_seconds") Long oldestAgeSeconds, Map<String, Long> reasons) {
    }

    @Override
    public void run() {
        if (sample < 0) {
            throw new IllegalArgumentException("--sample must not be negative, got " + sample);
        }
        List<Entry> entries = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try (AdminClient admin = bootstrap.connect(env)) {
            DeadLetterRoutes routes = DeadLetterRoutes.resolve(admin.listQueues(), admin.listExchanges(),
                    admin.listBindings(""));
            for (DeadLetterRoutes.Feed feed : routes.feeds()) {
                feedWarning(admin, feed).ifPresent(warnings::add);
            }
            if (!routes.deadLetterQueues().isEmpty()) {
                try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(DlqCommand.brokers(admin)))) {
                    for (String queue : routes.deadLetterQueues()) {
                        Entry entry = entry(admin.describeQueue(queue), routes.sourcesOf(queue), consumer);
                        entries.add(entry);
                        if (entry.consumers() == 0) {
                            warnings.add("dead-letter queue " + queue + " has no consumer: nobody is watching its "
                                    + entry.depth() + " messages (wharf dlq show " + queue + ")");
                        }
                    }
                }
            }
        }
        warnings.forEach(w -> env.err().println("warning: " + w));
        if (json.enabled()) {
            Json.print(env.out(), Json.object("dead_letter_queues", entries, "warnings", warnings));
            return;
        }
        if (entries.isEmpty()) {
            env.out().println("No dead-letter queue: no queue's x-dead-letter-exchange routes to a queue.");
            return;
        }
        TextTable table = new TextTable("QUEUE", "DEPTH", "CONSUMERS", "SOURCES", "OLDEST-AGE", "REASONS(SAMPLED)");
        entries.forEach(e -> table.row(e.queue(), e.depth(), e.consumers(), String.join(",", e.sources()),
                e.oldestAgeSeconds() == null ? "-" : e.oldestAgeSeconds() + "s",
                e.reasons().isEmpty() ? "-" : QueuesCommand.join(e.reasons()) + " (" + e.sampled() + ")"));
        table.print(env.out());
    }

    private Entry entry(QueueDescription description, List<String> sources, QueueConsumer consumer) {
        String queue = description.info().getName();
        List<QueueDelivery> sampled = DeadLetterReader.peek(consumer, queue,
                (int) Math.min(sample, description.ready()), DlqCommand.IDLE);
        Map<String, Long> reasons = new TreeMap<>();
        Long oldestDeath = null;
        for (QueueDelivery delivery : sampled) {
            reasons.merge(DeadLetterView.lastReason(delivery.message()), 1L, Long::sum);
            if (delivery.message().getXDeathCount() > 0) {
                long died = delivery.message().getXDeath(0).getTime();
                oldestDeath = oldestDeath == null ? died : Math.min(oldestDeath, died);
            }
        }
        Long age = oldestDeath == null ? null : Math.max(0, Instant.now().getEpochSecond() - oldestDeath);
        return new Entry(queue, description.ready() + description.unacked(), description.ready(),
                description.unacked(), description.consumers().size(), sources, sampled.size(), age, reasons);
    }

    /** Why a queue's dead letters are dropped, when they are. */
    private static Optional<String> feedWarning(AdminClient admin, DeadLetterRoutes.Feed feed) {
        String exchange = feed.exchange().isEmpty() ? "(default)" : "'" + feed.exchange() + "'";
        if (!feed.exchangeExists()) {
            return Optional.of("queue " + feed.source() + ": its x-dead-letter-exchange " + exchange
                    + " does not exist, so its dead letters are dropped (" + dropped(admin, feed.source())
                    + "); declare the exchange and bind a dead-letter queue to it");
        }
        if (feed.exchange().isEmpty() && feed.routingKey().isEmpty()) {
            return Optional.of("queue " + feed.source() + ": dead letters go through the default exchange "
                    + "by their own routing key, so no dead-letter queue can be named; set x-dead-letter-routing-key");
        }
        if (feed.targets().isEmpty()) {
            return Optional.of("queue " + feed.source() + ": its x-dead-letter-exchange " + exchange
                    + feed.routingKey().map(k -> " with routing key '" + k + "'").orElse("")
                    + " routes to no queue, so its dead letters are dropped (" + dropped(admin, feed.source())
                    + "); bind a dead-letter queue to it");
        }
        return Optional.empty();
    }

    private static String dropped(AdminClient admin, String queue) {
        return admin.describeQueue(queue).deadLettersDropped() + " dropped since its leader started";
    }
}
