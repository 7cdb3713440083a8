package io.wharf.cli.command;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.dlq.DeadLetterReader;
import io.wharf.cli.dlq.DeadLetterRoutes;
import io.wharf.cli.dlq.DeadLetterTopicReader;
import io.wharf.cli.dlq.DeadLetterView;
import io.wharf.cli.dlq.TopicDeadLetterView;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.QueueDescription;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wharf dlq list [--sample N] [--topic-suffix S]}: every dead-letter queue (a queue some queue's
 * {@code x-dead-letter-exchange} routes to) with its depth, consumers and source queues, and —
 * from the first N messages, peeked without taking them (see {@link DeadLetterReader} for the
 * cost) — the age of the oldest dead letter and the count by reason. Warns about a dead-letter
 * queue nobody consumes and about a dead-letter exchange that is missing or routes nowhere (its
 * dead letters are dropped). Then every dead-letter topic (a topic named with the SDK's
 * dead-letter suffix, {@code -dlq} by default) with its depth and, from its first N records read
 * without a consumer group, the age of the oldest, the count by {@code error.cause} and the origin
 * topics. Single-threaded.
 */
@Command(name = "list", description = "List the dead-letter queues and topics: depth, oldest age and reasons; for "
        + "queues consumers and sources (warn when nobody watches one or a dead-letter exchange drops), for topics "
        + "origin topics.")
public final class DlqListCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Option(names = "--sample", defaultValue = "100", paramLabel = "N",
            description = "Peek at up to N messages of each dead-letter queue for the oldest age and the reasons; "
                    + "each comes back with redelivered set; 0 peeks at none (default ${DEFAULT-VALUE}).")
    int sample;
    @Option(names = "--topic-suffix", defaultValue = "-dlq", paramLabel = "S",
            description = "A topic whose name ends with S is a dead-letter topic (the SDK's dlq.topic.suffix; "
                    + "default ${DEFAULT-VALUE}).")
    String topicSuffix;

    public DlqListCommand(CliEnvironment env) {
        this.env = env;
    }

    /**
     * One dead-letter queue.
     *
     * @param oldestAgeSeconds age of the oldest sampled dead letter's death into it; null when none was sampled
     * @param reasons sampled dead letters by the reason they died last
     */
    record Entry(String kind, String queue, long depth, long ready, long unacked, int consumers, List<String> sources,
                 long sampled, @JsonProperty("oldest_age_seconds") Long oldestAgeSeconds, Map<String, Long> reasons) {
    }

    /**
     * One dead-letter topic.
     *
     * @param depth records between log start and end over its partitions
     * @param origins the sampled dead letters' error.origin.topic values
     * @param oldestAgeSeconds age of the oldest sampled record (by its timestamp: when it was
     *     dead-lettered); null when none was sampled
     * @param reasons sampled dead letters by error.cause
     */
    record TopicEntry(String kind, String topic, long depth, int partitions, List<String> origins, long sampled,
                      @JsonProperty("oldest_age_seconds") Long oldestAgeSeconds, Map<String, Long> reasons) {
    }

    @Override
    public void run() {
        if (sample < 0) {
            throw new IllegalArgumentException("--sample must not be negative, got " + sample);
        }
        if (topicSuffix.isEmpty()) {
            throw new IllegalArgumentException("--topic-suffix must not be empty (every topic would be a dead-letter "
                    + "topic)");
        }
        List<TopicEntry> topicEntries = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        try (AdminClient admin = bootstrap.connect(env)) {
            DeadLetterRoutes routes = DeadLetterRoutes.resolve(admin.listQueues(), admin.listExchanges(),
                    admin.listBindings(""));
            for (DeadLetterRoutes.Feed feed : routes.feeds()) {
                feedWarning(admin, feed).ifPresent(warnings::add);
            }
            if (!routes.deadLetterQueues().isEmpty()) {
                try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(DlqCommand.brokers(admin)), env.channels())) {
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
            List<String> topics = admin.listTopics().stream()
                    .filter(t -> t.endsWith(topicSuffix) && t.length() > topicSuffix.length()).toList();
            if (!topics.isEmpty()) {
                try (Consumer consumer = new Consumer(DlqCommand.topicReaderConfig(DlqCommand.brokers(admin)), env.channels())) {
                    for (String topic : topics) {
                        topicEntries.add(topicEntry(consumer, topic));
                    }
                }
            }
        }
        warnings.forEach(w -> env.err().println("warning: " + w));
        if (json.enabled()) {
            Json.print(env.out(), Json.object("dead_letter_queues", entries, "dead_letter_topics", topicEntries,
                    "warnings", warnings));
            return;
        }
        if (entries.isEmpty() && topicEntries.isEmpty()) {
            env.out().println("No dead-letter queue: no queue's x-dead-letter-exchange routes to a queue; "
                    + "no dead-letter topic: no topic's name ends with " + topicSuffix + ".");
            return;
        }
        if (!entries.isEmpty()) {
            printQueues(entries);
        }
        if (!topicEntries.isEmpty()) {
            if (!entries.isEmpty()) {
                env.out().println();
            }
            TextTable table = new TextTable("TOPIC", "DEPTH", "PARTITIONS", "ORIGINS", "OLDEST-AGE", "REASONS(SAMPLED)");
            topicEntries.forEach(e -> table.row(e.topic(), e.depth(), e.partitions(),
                    e.origins().isEmpty() ? "-" : String.join(",", e.origins()),
                    e.oldestAgeSeconds() == null ? "-" : e.oldestAgeSeconds() + "s",
                    e.reasons().isEmpty() ? "-" : QueuesCommand.join(e.reasons()) + " (" + e.sampled() + ")"));
            table.print(env.out());
        }
    }

    private void printQueues(List<Entry> entries) {
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
        return new Entry("queue", queue, description.ready() + description.unacked(), description.ready(),
                description.unacked(), description.consumers().size(), sources, sampled.size(), age, reasons);
    }

    private TopicEntry topicEntry(Consumer consumer, String topic) {
        DeadLetterTopicReader.Snapshot snapshot = DeadLetterTopicReader.read(consumer, topic, sample, DlqCommand.IDLE);
        Map<String, Long> reasons = new TreeMap<>();
        TreeSet<String> origins = new TreeSet<>();
        Long oldest = null;
        for (ConsumerRecord record : snapshot.records()) {
            reasons.merge(TopicDeadLetterView.cause(record), 1L, Long::sum);
            String origin = TopicDeadLetterView.header(record, DeadLetterRecord.ORIGIN_TOPIC);
            if (origin != null) {
                origins.add(origin);
            }
            oldest = oldest == null ? record.timestamp() : Math.min(oldest, record.timestamp());
        }
        Long age = oldest == null ? null : Math.max(0, (System.currentTimeMillis() - oldest) / 1000);
        return new TopicEntry("topic", topic, snapshot.depth(), snapshot.partitions(), List.copyOf(origins),
                snapshot.records().size(), age, reasons);
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
