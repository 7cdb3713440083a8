package io.wharf.cli.command;

import io.wharf.cli.CliEnvironment;
import io.wharf.cli.CliException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.consumer.Consumer;
import io.wharf.client.consumer.ConsumerConfig;
import io.wharf.client.dlq.BlockedKeys;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where ordered mode keeps the blocked keys: a consumer group's ({@code --group G}, the topic
 * {@code G-dlq-blocked}), a queue's ({@code --queue Q}, the topic {@code Q-dlq-blocked}) or
 * {@code --blocked-topic T}, and the brokers ({@code --bootstrap}).
 * Single-threaded; filled by picocli.
 */
public final class BlockedKeysOptions {

    /** How long to look for the topic: it exists or not, a misspelt group must not hang for a minute. */
    private static final Duration LOOKUP = Duration.ofSeconds(5);

    @Mixin BrokerBootstrapOption bootstrap;
    @Option(names = "--group", paramLabel = "G",
            description = "Consumer group running the dead-letter loop in ordered mode; its blocked keys are on G-dlq-blocked.")
    String group;
    @Option(names = "--queue", paramLabel = "Q",
            description = "Queue consumed by the SDK's queue dead-letter loop in ordered mode; its blocked keys are on Q-dlq-blocked.")
    String queue;
    @Option(names = "--blocked-topic", paramLabel = "T",
            description = "The blocked-keys topic, when the loop was configured with another than G-dlq-blocked (Q-dlq-blocked).")
    String blockedTopic;

    /** The queue {@code --queue} names, if any: the source of the blocks to release. */
    Optional<String> queue() {
        return Optional.ofNullable(queue).filter(name -> !name.isBlank());
    }

    /** The blocked-keys topic these options name. */
    String topic() {
        if (blockedTopic != null) {
            return blockedTopic;
        }
        if (queue().isPresent()) {
            return BlockedKeys.defaultTopic(queue);
        }
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("name the consumer group with --group G (its blocked keys are on "
                    + "G-dlq-blocked), the queue with --queue Q (on Q-dlq-blocked) or the topic with --blocked-topic T");
        }
        return BlockedKeys.defaultTopic(group);
    }

    /**
     * Opens the blocked-keys topic and reads it to its end.
     *
     * @throws CliException NO_BLOCKED_KEYS_TOPIC when the topic does not exist
     */
    BlockedKeys open(CliEnvironment env) {
        String topic = topic();
        List<Endpoint> brokers = bootstrap.endpoints(env);
        try (Consumer lookup = new Consumer(ConsumerConfig.builder(brokers).defaultApiTimeout(LOOKUP).build(),
                env.channels())) {
            lookup.partitionsFor(topic);
        } catch (ClientException e) {
            if (e.code() != ErrorCode.UNKNOWN_TOPIC) {
                throw e;
            }
            throw new CliException("NO_BLOCKED_KEYS_TOPIC", "no blocked-keys topic '" + topic + "': check --group "
                    + "or --queue (ordered mode keeps the blocks on <group>-dlq-blocked, <queue>-dlq-blocked) or name "
                    + "the topic with --blocked-topic");
        }
        return BlockedKeys.open(brokers, topic, env.channels());
    }
}
