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
import io.wharf.client.Endpoint;
import io.wharf.client.admin.AdminClient;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
 * exchange that does not exist is refused before anything is read. Single-threaded.
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

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BootstrapOption bootstrap;
    @Parameters(paramLabel = "QUEUE", description = "The dead-letter queue.")
    String queue;
    @Option(names = "--to", paramLabel = "EXCHANGE[:ROUTING_KEY]",
            description = "Republish to this exchange (\"\" is the default exchange) with this routing key, or "
                    + "without one each message's original keys (default: each message's origin).")
    String to;
    @Option(names = "--reason", paramLabel = "R",
            description = "Only dead letters that died last for this reason: rejected, expired, maxlen, delivery_limit.")
    String reason;
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
        // a misspelt reason would select nothing and still exit 0
        if (reason != null && !REASONS.contains(reason)) {
            throw new IllegalArgumentException("--reason must be one of " + String.join(", ", REASONS) + ", got '"
                    + reason + "'");
        }
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--confirm-timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        Optional<ReplayDestination> destination = Optional.ofNullable(to).map(ReplayDestination::parse);
        long ready;
        List<Endpoint> brokers;
        try (AdminClient admin = bootstrap.connect(env)) {
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
        try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(brokers));
             DeadLetterReader reader = DeadLetterReader.open(consumer, queue, window)) {
            if (dryRun) {
                return new DeadLetterReplay(reader, Optional.empty(), destination, DlqCommand.IDLE, ACK_TIMEOUT)
                        .run(selection);
            }
            try (QueuePublisher publisher = new QueuePublisher(QueuePublisherConfig.of(brokers)
                    .withDeliveryTimeout(timeout).withMaxBlock(timeout))) {
                return new DeadLetterReplay(reader, Optional.of(publisher), destination, DlqCommand.IDLE, ACK_TIMEOUT)
                        .run(selection);
            }
        }
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
