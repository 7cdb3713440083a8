package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueueSubscription;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.MessageProperties;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf subscribe QUEUE}: prints each delivery as it arrives — the body, or with
 * {@code --json} one object per line with every field — and acks it once printed (at-least-once:
 * a crash may print a message again), unless {@code --no-ack}. Stops after {@code --max-messages},
 * or when none came for {@code --timeout-ms} (exit 1 if fewer than {@code --max-messages} came);
 * deliveries beyond {@code --max-messages} are left unacked and go back to the queue. Ctrl-C
 * cancels the subscription cleanly, so what it held goes back without counting as a failed
 * delivery. The handler hands deliveries to this command's thread, which prints and acks them in
 * order.
 */
@Command(name = SubscribeCommand.NAME, description = "Consume a queue, printing each message and acking it after printing.")
public final class SubscribeCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "subscribe";

    /** How often the loop looks at Ctrl-C and the subscription's end while no message comes. */
    private static final long POLL_MS = 200;

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Parameters(paramLabel = "QUEUE", description = "The queue to consume.")
    String queue;
    @Option(names = "--prefetch", defaultValue = "250", paramLabel = "N",
            description = "Most unacked deliveries at once; 0 for unlimited (default ${DEFAULT-VALUE}).")
    int prefetch;
    @Option(names = "--no-ack", description = "Deliveries are settled when sent (at-most-once).")
    boolean noAck;
    @Option(names = "--max-messages", paramLabel = "N", description = "Stop after N messages.")
    Long maxMessages;
    @Option(names = "--timeout-ms", paramLabel = "T", description = "Stop when no message came for T ms.")
    Long timeoutMs;
    @Option(names = "--work-ms", defaultValue = "0", paramLabel = "MS",
            description = "Hold each message this long after printing it before acking, as a worker busy with it "
                    + "would (default ${DEFAULT-VALUE}).")
    long workMs;
    @Option(names = "--reject", description = "Reject each message without requeue after printing it, as a worker "
            + "that fails every job would: a queue with a dead-letter exchange dead-letters it (reason rejected), "
            + "others drop it.")
    boolean reject;

    public SubscribeCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        if (prefetch < 0) {
            throw new IllegalArgumentException("--prefetch must not be negative, got " + prefetch);
        }
        if (maxMessages != null && maxMessages < 1 || timeoutMs != null && timeoutMs < 1) {
            throw new IllegalArgumentException("--max-messages and --timeout-ms must be at least 1");
        }
        if (workMs < 0) {
            throw new IllegalArgumentException("--work-ms must not be negative, got " + workMs);
        }
        if (reject && noAck) {
            throw new IllegalArgumentException("--reject and --no-ack exclude each other: a message settled when "
                    + "sent cannot be rejected");
        }
        LinkedBlockingQueue<QueueDelivery> arrived = new LinkedBlockingQueue<>();
        long printed = 0;
        // Ctrl-C ends the loop instead of the process, so close() cancels the subscription: a broken
        // stream would count what it held as failed deliveries (x-delivery-count)
        StopOnInterrupt interrupt = StopOnInterrupt.install("wharf-subscribe-shutdown");
        try (QueueConsumer consumer = new QueueConsumer(QueueConsumerConfig.of(bootstrap.endpoints(env)), env.channels())) {
            QueueSubscription subscription = consumer.subscribe(queue, SubscribeOptions.defaults()
                    .withPrefetch(prefetch).withNoAck(noAck), arrived::add);
            long lastMessageAt = System.currentTimeMillis();
            while (!interrupt.requested() && (maxMessages == null || printed < maxMessages)) {
                long waitMs = timeoutMs == null ? POLL_MS : lastMessageAt + timeoutMs - System.currentTimeMillis();
                if (waitMs <= 0) {
                    break;
                }
                QueueDelivery delivery = arrived.poll(Math.min(waitMs, POLL_MS), TimeUnit.MILLISECONDS);
                if (delivery == null) {
                    subscription.throwIfFailed();
                    continue;
                }
                print(delivery);
                env.out().flush();
                printed++;
                if (workMs > 0) {
                    Thread.sleep(workMs);
                }
                lastMessageAt = System.currentTimeMillis();
                if (reject) {
                    delivery.reject(false);
                } else if (!noAck) {
                    delivery.ack();
                }
            }
            env.out().flush();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            interrupt.release();
        }
        env.err().println("Processed a total of " + printed + " messages");
        if (maxMessages != null && printed < maxMessages && !interrupt.requested()) {
            throw new CliException("REQUEST_TIMED_OUT", "only " + printed + " of " + maxMessages
                    + " messages arrived before none came for " + timeoutMs + " ms");
        }
    }

    private void print(QueueDelivery delivery) {
        Message message = delivery.message();
        String body = message.getBody().toString(StandardCharsets.UTF_8);
        if (!json.enabled()) {
            env.out().println(body);
            return;
        }
        Json.printLine(env.out(), Json.object("queue", delivery.queue(), "delivery_tag", delivery.deliveryTag(),
                "redelivered", delivery.redelivered(), "delivery_count", delivery.deliveryCount(),
                "exchange", message.getExchange(), "routing_key", message.getRoutingKey(),
                "headers", new TreeMap<>(message.getHeadersMap()), "properties", properties(message.getProperties()),
                "body", body));
    }

    /** The properties that are set, by their AMQP names. */
    private static Map<String, Object> properties(MessageProperties p) {
        Map<String, Object> set = new LinkedHashMap<>();
        putIfSet(set, "content_type", p.getContentType());
        putIfSet(set, "content_encoding", p.getContentEncoding());
        if (p.getDeliveryMode() != 0) {
            set.put("delivery_mode", p.getDeliveryMode());
        }
        if (p.getPriority() != 0) {
            set.put("priority", p.getPriority());
        }
        putIfSet(set, "correlation_id", p.getCorrelationId());
        putIfSet(set, "reply_to", p.getReplyTo());
        putIfSet(set, "expiration", p.getExpiration());
        putIfSet(set, "message_id", p.getMessageId());
        if (p.getTimestamp() != 0) {
            set.put("timestamp", p.getTimestamp());
        }
        putIfSet(set, "type", p.getType());
        putIfSet(set, "user_id", p.getUserId());
        putIfSet(set, "app_id", p.getAppId());
        return set;
    }

    private static void putIfSet(Map<String, Object> properties, String key, String value) {
        if (!value.isEmpty()) {
            properties.put(key, value);
        }
    }
}
