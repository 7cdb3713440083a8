package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.cli.Json;
import io.wharf.client.TopicPartition;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.consumer.OffsetResetPolicy;
import io.wharf.client.consumer.RebalanceListener;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code wharf consume TOPIC}: prints records as they arrive, after Kafka's console consumer —
 * values one per line, or with {@code --json} one object per line with topic, partition, offset,
 * key, value, timestamp and headers (keys and values as UTF-8 text, null when absent). Starts at
 * the end unless told otherwise. Stops after {@code --max-messages}, or when no record came for
 * {@code --timeout-ms} (exit 0, unless fewer than {@code --max-messages} arrived: exit 1).
 * With {@code --group G} it joins consumer group G instead of reading every partition: the group
 * assigns partitions, each starts at the group's committed offset (else at the end, or the
 * beginning with {@code --from-beginning}), and the offsets of printed records are committed after
 * each batch is printed (at-least-once: a crash may print a batch again, never skip one); Ctrl-C
 * stops it cleanly, leaving the group.
 * Single-threaded.
 */
@Command(name = ConsumeCommand.NAME, description = "Print the records of a topic.")
public final class ConsumeCommand implements Runnable {

    /** The command's name on the command line; a constant, so that finding the command named needs no reflection. */
    public static final String NAME = "consume";

    private final CliEnvironment env;
    @Mixin JsonOption json;
    @Mixin BrokerBootstrapOption bootstrap;
    @Parameters(paramLabel = "TOPIC", description = "Topic to read.")
    String topic;
    @ArgGroup(exclusive = true)
    StartChoice start;
    @Option(names = "--partition", paramLabel = "P", description = "Read only this partition (default: all).")
    Integer partition;
    @Option(names = "--max-messages", paramLabel = "N", description = "Stop after N records.")
    Long maxMessages;
    @Option(names = "--timeout-ms", paramLabel = "T", description = "Stop when no record arrived for T ms.")
    Long timeoutMs;
    @Option(names = "--group", paramLabel = "G",
            description = "Consume as a member of consumer group G, committing after printing.")
    String group;

    /** Where to start: {@code --from-beginning} or {@code --offset N}; default the end. */
    static final class StartChoice {
        @Option(names = "--from-beginning", description = "Start at the earliest record.")
        boolean fromBeginning;
        @Option(names = "--offset", paramLabel = "N", description = "Start at offset N (needs --partition).")
        Long offset;
    }

    public ConsumeCommand(CliEnvironment env) {
        this.env = env;
    }

    @Override
    public void run() {
        validate();
        boolean fromBeginning = start != null && start.fromBeginning;
        ConsumerConfig.Builder config = ConsumerConfig.builder(bootstrap.endpoints(env))
                .autoOffsetReset(fromBeginning ? OffsetResetPolicy.EARLIEST : OffsetResetPolicy.LATEST)
                .defaultApiTimeout(Duration.ofSeconds(30));
        if (group != null) {
            config.groupId(group);
        }
        long printed = 0;
        // Ctrl-C ends the loop instead of the process, so close() leaves the group at once and the
        // others get its partitions now rather than after its session timeout
        StopOnInterrupt interrupt = StopOnInterrupt.install("wharf-consume-shutdown");
        try (Consumer consumer = new Consumer(config.build(), env.channels())) {
            if (group != null) {
                consumer.partitionsFor(topic); // an unknown topic fails here rather than waiting for an assignment
                consumer.subscribe(List.of(topic), RebalanceListener.NONE);
            } else {
                assign(consumer);
            }
            long lastRecordAt = System.currentTimeMillis();
            while (!interrupt.requested() && (maxMessages == null || printed < maxMessages)) {
                List<ConsumerRecord> records = consumer.poll(Duration.ofMillis(timeoutMs == null ? 1000
                        : Math.max(1, Math.min(1000, lastRecordAt + timeoutMs - System.currentTimeMillis()))));
                Map<TopicPartition, Long> processed = new HashMap<>();
                for (ConsumerRecord record : records) {
                    if (maxMessages != null && printed >= maxMessages) {
                        break;
                    }
                    print(record);
                    printed++;
                    processed.put(new TopicPartition(record.topic(), record.partition()), record.offset() + 1);
                }
                env.out().flush();
                if (group != null && !processed.isEmpty()) {
                    consumer.commitSync(processed); // only what was printed: records beyond --max-messages stay unconsumed
                }
                long now = System.currentTimeMillis();
                if (!records.isEmpty()) {
                    lastRecordAt = now;
                } else if (timeoutMs != null && now - lastRecordAt >= timeoutMs) {
                    break;
                }
            }
        } finally {
            interrupt.release();
        }
        env.err().println("Processed a total of " + printed + " messages");
        if (maxMessages != null && printed < maxMessages && !interrupt.requested()) {
            throw new CliException("REQUEST_TIMED_OUT", "only " + printed + " of " + maxMessages
                    + " messages arrived before no record came for " + timeoutMs + " ms");
        }
    }

    private void assign(Consumer consumer) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic);
        if (partition != null) {
            if (partition >= partitions.size()) {
                throw new CliException("UNKNOWN_PARTITION", "topic '" + topic + "' has " + partitions.size()
                        + " partitions (0-" + (partitions.size() - 1) + "), not " + partition);
            }
            partitions = List.of(new TopicPartition(topic, partition));
        }
        consumer.assign(partitions);
        if (start != null && start.offset != null) {
            consumer.seek(partitions.get(0), start.offset);
        } else if (start != null && start.fromBeginning) {
            consumer.seekToBeginning(partitions);
        } else {
            consumer.seekToEnd(partitions);
        }
    }

    private void validate() {
        if (group != null && (partition != null || (start != null && start.offset != null))) {
            throw new IllegalArgumentException("--group takes no --partition or --offset: the group assigns "
                    + "partitions and starts each at its committed offset (reset them with wharf groups reset-offsets)");
        }
        if (start != null && start.offset != null) {
            if (partition == null) {
                throw new IllegalArgumentException("--offset needs --partition (offsets are per partition)");
            }
            if (start.offset < 0) {
                throw new IllegalArgumentException("--offset must not be negative, got " + start.offset);
            }
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("--partition must not be negative, got " + partition);
        }
        if (maxMessages != null && maxMessages < 1) {
            throw new IllegalArgumentException("--max-messages must be at least 1, got " + maxMessages);
        }
        if (timeoutMs != null && timeoutMs < 1) {
            throw new IllegalArgumentException("--timeout-ms must be at least 1, got " + timeoutMs);
        }
    }

    private void print(ConsumerRecord record) {
        if (!json.enabled()) {
            env.out().println(text(record.value()));
            return;
        }
        List<Map<String, Object>> headers = record.headers().stream()
                .map((Header h) -> Json.object("key", h.key(), "value", text(h.value()))).toList();
        Json.printLine(env.out(), Json.object("topic", record.topic(), "partition", record.partition(),
                "offset", record.offset(), "key", text(record.key()), "value", text(record.value()),
                "timestamp", record.timestamp(), "headers", headers));
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }
}
