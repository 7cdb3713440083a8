package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.Json;
import io.wharf.cli.TextTable;
import io.wharf.cli.dlq.DeadLetterReader;
import io.wharf.cli.dlq.DeadLetterTopicReader;
import io.wharf.cli.dlq.DeadLetterView;
import io.wharf.cli.dlq.TopicDeadLetterView;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.admin.QueueDescription;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf dlq show NAME [--max-messages N]}: for a queue, its first N messages with their
 * death history, peeked without taking them (see {@link DeadLetterReader}: they come back with
 * redelivered set); for a topic (when no queue is named so), its first N records from the log
 * start with key, value and every header, the {@code error.*} death headers among them, read
 * without a consumer group. Single-threaded.
 */
@Command(name = "show", description = "Show a dead-letter queue's messages with their x-death history, "
        + "without taking them, or a dead-letter topic's records with their headers.")
public final class DlqShowCommand implements Runnable {

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Parameters(paramLabel = "NAME", description = "The dead-letter queue or topic.")
    String queue;
    @Option(names = "--max-messages", defaultValue = "10", paramLabel = "N",
            description = "Show at most N messages, oldest first (default ${DEFAULT-VALUE}).")
    int maxMessages;

    public DlqShowCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("--max-messages must be at least 1, got " + maxMessages);
        }
        QueueDescription description;
        List<DeadLetterView> messages;
        try (AdminClient admin = bootstrap.connect(env)) {
            if (admin.listQueues().stream().noneMatch(q -> q.getName().equals(queue))
                    && admin.listTopics().contains(queue)) {
                showTopic(admin);
                return;
            }
            description = admin.describeQueue(queue);
            try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(DlqCommand.brokers(admin)), env.channels())) {
                messages = DeadLetterReader.peek(consumer, queue, (int) Math.min(maxMessages, description.ready()),
                        DlqCommand.IDLE).stream().map(DeadLetterView::of).toList();
            }
        }
        long depth = description.ready() + description.unacked();
        if (json.enabled()) {
            Json.print(env.out(), Json.object("kind", "queue", "queue", queue, "depth", depth, "shown", messages.size(),
                    "messages", messages));
            return;
        }
        env.out().println("Queue " + queue + ": " + depth + " messages (" + description.unacked()
                + " held by consumers, not shown); showing " + messages.size() + ".");
        messages.forEach(m -> print(m, env.out()));
    }

    private void showTopic(AdminClient admin) {
        DeadLetterTopicReader.Snapshot snapshot;
        try (Consumer consumer = new Consumer(DlqCommand.topicReaderConfig(DlqCommand.brokers(admin)), env.channels())) {
            snapshot = DeadLetterTopicReader.read(consumer, queue, maxMessages, DlqCommand.IDLE);
        }
        List<TopicDeadLetterView> records = snapshot.records().stream().map(TopicDeadLetterView::of).toList();
        if (json.enabled()) {
            Json.print(env.out(), Json.object("kind", "topic", "topic", queue, "depth", snapshot.depth(),
                    "shown", records.size(), "records", records));
            return;
        }
        env.out().println("Topic " + queue + ": " + snapshot.depth() + " records over " + snapshot.partitions()
                + " partitions; showing " + records.size() + ".");
        for (TopicDeadLetterView r : records) {
            env.out().println();
            env.out().printf("Record %d/%d\tTimestamp: %s%n", r.partition(), r.offset(), r.timestamp());
            env.out().println("\tKey" + (r.key() == null ? ": -" : " (" + r.keyEncoding() + "): " + r.key()));
            env.out().println("\tHeaders: " + (r.headers().isEmpty() ? "-" : QueuesCommand.join(r.headers())));
            env.out().println("\tValue" + (r.value() == null ? ": -" : " (" + r.valueEncoding() + "): " + r.value()));
        }
    }

    private static void print(DeadLetterView m, PrintWriter out) {
        out.println();
        out.printf("Message %d\tExchange: %s\tRoutingKey: %s%n", m.deliveryTag(),
                m.exchange().isEmpty() ? "(default)" : m.exchange(), m.routingKey());
        out.println("\tHeaders: " + (m.headers().isEmpty() ? "-" : QueuesCommand.join(m.headers())));
        out.println("\tBody (" + m.bodyEncoding() + "): " + m.body());
        TextTable deaths = new TextTable("\tQUEUE", "REASON", "COUNT", "EXCHANGE", "ROUTING-KEYS", "TIME");
        m.xDeath().forEach(d -> deaths.row("\t" + d.queue(), d.reason(), d.count(),
                d.exchange().isEmpty() ? "(default)" : d.exchange(), String.join(",", d.routingKeys()), d.time()));
        deaths.print(out);
    }
}
