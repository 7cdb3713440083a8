package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf publish EXCHANGE --routing-key K}: publishes each line of standard input as one
 * message, with publisher confirms. Exit 0 only when every line was acked; otherwise each line
 * that was not (returned, nacked, timed out) is named on stderr and the exit code is 1.
 * Single-threaded (the publisher's threads are its own).
 */
@Command(name = PublishCommand.NAME, description = "Publish the lines of standard input to an exchange, one message per line.")
public final class PublishCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "publish";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Parameters(paramLabel = "EXCHANGE", description = "The exchange; \"\" is the default exchange (to the queue "
            + "named by the routing key).")
    String exchange;
    @Option(names = "--routing-key", defaultValue = "", paramLabel = "K", description = "The routing key of every message.")
    String routingKey;
    @Option(names = "--header", paramLabel = "KEY=VALUE", description = "A header of every message; repeatable.")
    Map<String, String> headers = new LinkedHashMap<>();
    @Option(names = "--mandatory", description = "An unroutable message is returned (and counts as failed) "
            + "rather than dropped.")
    boolean mandatory;
    @Option(names = "--timeout", defaultValue = "30", paramLabel = "SECONDS",
            description = "How long a line may take to be confirmed, retries included (default ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    public PublishCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (timeoutSeconds < 1 || timeoutSeconds > 3600) {
            throw new IllegalArgumentException("--timeout must be between 1 and 3600 seconds, got " + timeoutSeconds);
        }
        Duration timeout = Duration.ofSeconds(timeoutSeconds);
        QueuePublisherConfig config = QueuePublisherConfig.of(bootstrap.endpoints(env)).withDeliveryTimeout(timeout)
                .withMaxBlock(timeout);
        List<CompletableFuture<PublishOutcome>> sent = new ArrayList<>();
        try (QueuePublisher publisher = new QueuePublisher(config, env.channels())) {
            BufferedReader reader = new BufferedReader(new InputStreamReader(env.in(), StandardCharsets.UTF_8));
            String line;
            while ((line = reader.readLine()) != null) {
                sent.add(publisher.publish(exchange, routingKey, headers, line.getBytes(StandardCharsets.UTF_8),
                        mandatory));
            }
            publisher.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("reading standard input failed", e);
        }
        report(sent);
    }

    private void report(List<CompletableFuture<PublishOutcome>> sent) {
        int acked = 0;
        String firstCode = null;
        String firstFailure = null;
        for (int i = 0; i < sent.size(); i++) {
            PublishOutcome outcome = sent.get(i).join();
            if (outcome.acked()) {
                acked++;
                continue;
            }
            String code = outcome.status() == PublishOutcome.Status.RETURNED ? "RETURNED" : outcome.error().name();
            String why = outcome.status() == PublishOutcome.Status.RETURNED
                    ? "returned: no queue is bound for routing key '" + routingKey + "'"
                    : outcome.error() + ": " + outcome.message();
            env.err().println("wharf: line " + (i + 1) + " was not confirmed: " + why);
            if (firstFailure == null) {
                firstCode = code;
                firstFailure = "line " + (i + 1) + ": " + why;
            }
        }
        if (acked < sent.size()) {
            throw new CliException(firstCode, (sent.size() - acked) + " of " + sent.size()
                    + " lines were not confirmed; first: " + firstFailure);
        }
        if (json.enabled()) {
            Json.print(env.out(), Json.object("exchange", exchange, "routing_key", routingKey, "messages", sent.size(),
                    "acked", acked));
        }
    }
}
