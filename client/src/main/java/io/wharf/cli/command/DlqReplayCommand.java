package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.cli.WharfCli;
import io.wharf.cli.dlq.DeadLetterReader;
import io.wharf.cli.dlq.DeadLetterReplay;
import io.wharf.cli.dlq.DeadLetterReplay.Outcome;
import io.wharf.cli.dlq.DeadLetterReplay.Status;
import io.wharf.cli.dlq.ReplayDestination;
import io.wharf.cli.dlq.ReplayTarget;
import io.wharf.cli.dlq.TopicReplay;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.group.GroupAdmin;
import io.wharf.client.group.GroupDescription;
import io.wharf.client.producer.Producer;
import io.wharf.client.producer.ProducerConfig;
import io.wharf.proto.common.ErrorCode;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf dlq replay QUEUE [--to EXCHANGE[:ROUTING_KEY]] [--reason R] [--dry-run]
 * [--max-messages N]}: republishes dead letters to their origin (the exchange of their first death
 * with the routing keys they had then) or to {@code --to}, and acks each only once its republish
 * was confirmed ({@link DeadLetterReplay}). Exit 0 only when every selected dead letter was
 * replayed and confirmed; the others stay in the queue and are named on stderr. A {@code --to}
 * exchange that does not exist is refused before anything is read.
 *
 * <p>{@code wharf dlq replay TOPIC [--to TOPIC] [--reason CAUSE] [--key K] [--group G] [--dry-run]}
 * for a dead-letter topic (when no queue is named so): produces each selected record back to its
 * {@code error.origin.topic} or {@code --to} ({@link TopicReplay}). A log cannot be settled by
 * deleting from it, so progress is kept as the committed offsets of consumer group {@code G}
 * (default {@value #DEFAULT_GROUP}): a replay starts where the last one of the group stopped, and
 * commits past what it settled — replayed and acknowledged, or passed over by a filter — up to
 * the first failure of each partition. Exit 0 only when every selected record was acknowledged.
 * Single-threaded.
 */
@Command(name = "replay", description = "Republish dead letters to where they came from (or --to), acking each "
        + "once its republish is confirmed.")
public final class DlqReplayCommand implements Callable<Integer> {

    /** Most dead letters read ahead of the one being replayed. */
    private static final int WINDOW = 100;
    /** How long an ack in the dead-letter queue may take to be confirmed. */
    private static final Duration ACK_TIMEOUT = Duration.ofSeconds(30);
    /** RabbitMQ's x-death reasons. */
    private static final List<String> REASONS = List.of("rejected", "expired", "maxlen", "delivery_limit");
    /** The consumer group whose offsets record how far topic replays got, unless --group names another. */
    static final String DEFAULT_GROUP = "wharf-dlq-replay";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Parameters(paramLabel = "NAME", description = "The dead-letter queue or topic.")
    String queue;
    @Option(names = "--to", paramLabel = "EXCHANGE[:ROUTING_KEY]|TOPIC",
            description = "For a queue: republish to this exchange (\"\" is the default exchange) with this routing "
                    + "key, or without one each message's original keys. For a topic: produce to this topic. "
                    + "Default: each dead letter's origin.")
    String to;
    @Option(names = "--reason", paramLabel = "R",
            description = "Only dead letters that died last for this reason: for a queue rejected, expired, maxlen "
                    + "or delivery_limit; for a topic the error.cause.")
    String reason;
    @Option(names = "--key", paramLabel = "K", description = "For a topic: only records with this key (UTF-8).")
    String key;
    @Option(names = "--group", paramLabel = "G",
            description = "For a topic: the consumer group whose committed offsets record how far replays got, so "
                    + "that the next replay does not resend (default " + DEFAULT_GROUP + ").")
    String group;
    @Option(names = "--dry-run", description = "Print what would go where; take and publish nothing.")
    boolean dryRun;
    @Option(names = "--max-messages", defaultValue = "1000", paramLabel = "N",
            description = "Replay at most N dead letters, oldest first (default ${DEFAULT-VALUE}).")
    long maxMessages;
    @Option(names = "--confirm-timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long a republish may take to be confirmed, retries included (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    public DlqReplayCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        if (maxMessages < 1) {
            throw new IllegalArgumentException("--max-messages must be at least 1, got " + maxMessages);
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--confirm-timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        Optional<ReplayDestination> destination;
        long ready;
        List<Endpoint> brokers;
        try (AdminClient admin = bootstrap.connect(env)) {
            boolean isQueue = admin.listQueues().stream().anyMatch(q -> q.getName().equals(queue));
            List<String> topics = isQueue ? List.of() : admin.listTopics();
            if (topics.contains(queue)) {
                return replayTopic(DlqCommand.brokers(admin), topics);
            }
            if (key != null || group != null) {
                throw new IllegalArgumentException("--key and --group apply to dead-letter topics; " + queue
                        + " is not a topic (queue dead letters are selected by --reason and settled by ack)");
            }
            // a misspelt reason would select nothing and still exit 0
            if (reason != null && !REASONS.contains(reason)) {
                throw new IllegalArgumentException("--reason must be one of " + String.join(", ", REASONS)
                        + ", got '" + reason + "'");
            }
            destination = Optional.ofNullable(to).map(ReplayDestination::parse);
            ready = admin.describeQueue(queue).ready();
            destination.ifPresent(d -> requireExchange(admin, d.exchange()));
            brokers = DlqCommand.brokers(admin);
        }
        List<Outcome> outcomes = ready == 0 ? List.of() : replay(brokers, destination, ready);
        long failed = outcomes.stream().filter(o -> o.status() == Status.FAILED).count();
        print(outcomes);
        if (failed == 0) {
            return WharfCli.EXIT_OK;
        }
        Outcome first = outcomes.stream().filter(o -> o.status() == Status.FAILED).findFirst().orElseThrow();
        outcomes.stream().filter(o -> o.status() == Status.FAILED).forEach(o -> env.err().println("wharf: dead letter "
                + o.deliveryTag() + " was not replayed: " + o.code() + ": " + o.detail()));
        env.err().println("wharf: " + failed + " of " + (failed + count(outcomes, Status.REPLAYED))
                + " selected dead letters were not replayed and stay in " + queue + "; first: " + first.code());
        return WharfCli.EXIT_FAILED;
    }

    private List<Outcome> replay(List<Endpoint> brokers, Optional<ReplayDestination> destination, long ready) {
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        DeadLetterReplay.Selection selection = new DeadLetterReplay.Selection(ready, maxMessages,
                Optional.ofNullable(reason));
        int window = (int) Math.min(WINDOW, Math.min(ready, maxMessages));
        try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(brokers), env.channels());
             DeadLetterReader reader = DeadLetterReader.open(consumer, queue, window)) {
            if (dryRun) {
                return new DeadLetterReplay(reader, Optional.empty(), destination, DlqCommand.IDLE, ACK_TIMEOUT)
                        .run(selection);
            }
            try (QueuePublisher publisher = new QueuePublisher(QueuePublisherConfig.of(brokers)
                    .withDeliveryTimeout(timeout).withMaxBlock(timeout), env.channels())) {
                return new DeadLetterReplay(reader, Optional.of(publisher), destination, DlqCommand.IDLE, ACK_TIMEOUT)
                        .run(selection);
            }
        }
    }

    private int replayTopic(List<Endpoint> brokers, List<String> topics) {
        if (to != null && !topics.contains(to)) {
            throw new CliException("NOT_FOUND", "no topic '" + to + "' to replay to; create it (wharf topics create "
                    + to + ") or name an existing one with --to; nothing was sent");
        }
        String replayGroup = group == null ? DEFAULT_GROUP : group;
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        TopicReplay.Selection selection = new TopicReplay.Selection(Optional.ofNullable(reason),
                Optional.ofNullable(key), Optional.ofNullable(to), maxMessages, Set.copyOf(topics));
        List<TopicReplay.Outcome> outcomes;
        Map<TopicPartition, Long> progress;
        try (GroupAdmin groups = new GroupAdmin(brokers, timeout, env.channels());
             Consumer reader = new Consumer(DlqCommand.topicReaderConfig(brokers), env.channels())) {
            Map<TopicPartition, Long> from = committed(groups, replayGroup);
            if (dryRun) {
                outcomes = new TopicReplay(reader, Optional.empty(), DlqCommand.IDLE, timeout).run(queue, from, selection);
            } else {
                try (Producer producer = new Producer(ProducerConfig.builder(brokers).acks(-1).idempotence(true)
                        .maxBlock(timeout).deliveryTimeout(timeout.plusSeconds(1))
                        .requestTimeout(timeout.compareTo(Duration.ofSeconds(30)) < 0 ? timeout : Duration.ofSeconds(30))
                        .build(), env.channels())) {
                    outcomes = new TopicReplay(reader, Optional.of(producer), DlqCommand.IDLE, timeout)
                            .run(queue, from, selection);
                }
            }
            progress = dryRun ? Map.of() : TopicReplay.progress(queue, outcomes);
            if (!progress.isEmpty()) {
                groups.resetOffsets(replayGroup, progress);
            }
        }
        printTopic(outcomes, replayGroup, progress);
        List<TopicReplay.Outcome> failed = outcomes.stream()
                .filter(o -> o.status() == TopicReplay.Status.FAILED).toList();
        if (failed.isEmpty()) {
            return WharfCli.EXIT_OK;
        }
        failed.forEach(o -> env.err().println("wharf: dead letter " + o.partition() + "/" + o.offset()
                + " was not replayed: " + o.code() + ": " + o.detail()));
        env.err().println("wharf: " + failed.size() + " selected dead letters were not replayed; the next replay of "
                + "group " + replayGroup + " starts at the first failure of each partition; first: "
                + failed.get(0).code());
        return WharfCli.EXIT_FAILED;
    }

    /** Where the group's last replay stopped, of this topic; refuses a group with members (its offsets move). */
    private Map<TopicPartition, Long> committed(GroupAdmin groups, String replayGroup) {
        GroupDescription description;
        try {
            description = groups.describeGroup(replayGroup);
        } catch (ClientException e) {
            if (e.code() == ErrorCode.GROUP_ID_NOT_FOUND) {
                return Map.of();
            }
            throw e;
        }
        if (!description.members().isEmpty()) {
            throw new CliException(ErrorCode.NON_EMPTY_GROUP.name(), "group '" + replayGroup + "' has "
                    + description.members().size() + " active members, so its offsets cannot record the replay; "
                    + "name a group no consumer uses with --group");
        }
        Map<TopicPartition, Long> from = new HashMap<>();
        description.partitions().stream().filter(p -> p.partition().topic().equals(queue)
                && p.committedOffset() != null).forEach(p -> from.put(p.partition(), p.committedOffset()));
        return from;
    }

    private void printTopic(List<TopicReplay.Outcome> outcomes, String replayGroup, Map<TopicPartition, Long> progress) {
        Map<TopicReplay.Status, Long> counts = new EnumMap<>(TopicReplay.Status.class);
        for (TopicReplay.Status status : TopicReplay.Status.values()) {
            counts.put(status, outcomes.stream().filter(o -> o.status() == status).count());
        }
        long skipped = counts.get(TopicReplay.Status.SKIPPED);
        if (json.enabled()) {
            Map<String, Long> committed = new TreeMap<>();
            progress.forEach((tp, offset) -> committed.put(String.valueOf(tp.partition()), offset));
            Json.print(env.out(), Json.object("kind", "topic", "topic", queue, "group", replayGroup, "dry_run", dryRun,
                    "examined", outcomes.size(), "selected", outcomes.size() - skipped,
                    "replayed", counts.get(TopicReplay.Status.REPLAYED),
                    "planned", counts.get(TopicReplay.Status.PLANNED), "skipped", skipped,
                    "failed", counts.get(TopicReplay.Status.FAILED), "committed", committed,
                    "records", outcomes.stream().map(DlqReplayCommand::json).toList()));
            return;
        }
        for (TopicReplay.Outcome o : outcomes) {
            String which = o.partition() + "/" + o.offset() + " key=" + o.key() + " (" + o.cause() + ")";
            env.out().println(switch (o.status()) {
                case REPLAYED -> "replayed " + which + " to " + o.target();
                case PLANNED -> "would replay " + which + " to " + o.target();
                case SKIPPED -> "skipped " + which;
                case FAILED -> "failed " + which + " to " + (o.target() == null ? "?" : o.target()) + ": " + o.code();
            });
        }
        env.out().println(dryRun
                ? "Dry run: would replay " + counts.get(TopicReplay.Status.PLANNED) + " of " + outcomes.size()
                        + " examined dead letters from " + queue + " (" + skipped + " skipped, "
                        + counts.get(TopicReplay.Status.FAILED) + " without a target); nothing was changed."
                : "Replayed " + counts.get(TopicReplay.Status.REPLAYED) + " of " + outcomes.size()
                        + " examined dead letters from " + queue + " (" + skipped + " skipped, "
                        + counts.get(TopicReplay.Status.FAILED) + " failed); group " + replayGroup
                        + " committed " + (progress.isEmpty() ? "nothing" : QueuesCommand.join(committedByPartition(progress)))
                        + ".");
    }

    private static Map<String, Long> committedByPartition(Map<TopicPartition, Long> progress) {
        Map<String, Long> byPartition = new TreeMap<>();
        progress.forEach((tp, offset) -> byPartition.put(tp.topic() + "-" + tp.partition(), offset));
        return byPartition;
    }

    private static Map<String, Object> json(TopicReplay.Outcome o) {
        Map<String, Object> object = Json.object("partition", o.partition(), "offset", o.offset(), "key", o.key(),
                "cause", o.cause(), "status", o.status().name().toLowerCase(Locale.ROOT), "target", o.target());
        if (o.status() == TopicReplay.Status.FAILED) {
            object.put("error", Json.object("code", o.code(), "message", o.detail()));
        }
        return object;
    }

    /** Refuses a replay to an exchange that does not exist before anything is taken. */
    private static void requireExchange(AdminClient admin, String exchange) {
        if (admin.listExchanges().stream().noneMatch(e -> e.getName().equals(exchange))) {
            throw new CliException("NOT_FOUND", "no exchange '" + exchange + "' to replay to; declare it (wharf "
                    + "exchanges declare " + exchange + " --type ...) or name an existing one with --to; nothing was "
                    + "taken from the dead-letter queue");
        }
    }

    private void print(List<Outcome> outcomes) {
        long replayed = count(outcomes, Status.REPLAYED);
        long planned = count(outcomes, Status.PLANNED);
        long skipped = count(outcomes, Status.SKIPPED);
        long failed = count(outcomes, Status.FAILED);
        if (json.enabled()) {
            Json.print(env.out(), Json.object("queue", queue, "dry_run", dryRun, "examined", outcomes.size(),
                    "selected", outcomes.size() - skipped, "replayed", replayed, "planned", planned, "skipped", skipped,
                    "failed", failed, "messages", outcomes.stream().map(DlqReplayCommand::json).toList()));
            return;
        }
        for (Outcome o : outcomes) {
            String target = o.target().map(ReplayTarget::toString).orElse("?");
            String line = switch (o.status()) {
                case REPLAYED -> "replayed " + o.deliveryTag() + " (" + o.reason() + ") to " + target;
                case PLANNED -> "would replay " + o.deliveryTag() + " (" + o.reason() + ") to " + target;
                case SKIPPED -> "skipped " + o.deliveryTag() + " (" + o.reason() + ")";
                case FAILED -> "failed " + o.deliveryTag() + " (" + o.reason() + ") to " + target + ": " + o.code();
            };
            env.out().println(line);
        }
        env.out().println(dryRun
                ? "Dry run: would replay " + planned + " of " + outcomes.size() + " examined dead letters from " + queue
                        + " (" + skipped + " skipped, " + failed + " without a target); nothing was changed."
                : "Replayed " + replayed + " of " + outcomes.size() + " examined dead letters from " + queue + " ("
                        + skipped + " skipped, " + failed + " failed).");
    }

    private static Map<String, Object> json(Outcome o) {
        Map<String, Object> object = Json.object("delivery_tag", o.deliveryTag(), "reason", o.reason(),
                "status", o.status().name().toLowerCase(Locale.ROOT),
                "exchange", o.target().map(ReplayTarget::exchange).orElse(null),
                "routing_keys", o.target().map(ReplayTarget::routingKeys).orElse(null));
        if (o.status() == Status.FAILED) {
            object.put("error", Json.object("code", o.code(), "message", o.detail()));
        }
        return object;
    }

    private static long count(List<Outcome> outcomes, Status status) {
        return outcomes.stream().filter(o -> o.status() == status).count();
    }
}
