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
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where ordered mode keeps a consumer group's blocked keys: {@code --group G} (the topic
 * {@code G-dlq-blocked}) or {@code --blocked-topic T}, and the brokers ({@code --bootstrap}).
 * Single-threaded; filled by picocli.
 */
public final class BlockedKeysOptions {

    /** How long to look for the topic: it exists or not, a misspelt group must not hang for a minute. */
    private static final Duration LOOKUP = Duration.ofSeconds(5);

    @Mixin BrokerBootstrapOption bootstrap;
    @Option(names = "--group", paramLabel = "G",
            description = "Consumer group running the dead-letter loop in ordered mode; its blocked keys are on G-dlq-blocked.")
    String group;
    @Option(names = "--blocked-topic", paramLabel = "T",
            description = "The blocked-keys topic, when the loop was configured with another than G-dlq-blocked.")
    String blockedTopic;

    /** The blocked-keys topic these options name. */
    String topic() {
        if (blockedTopic != null) {
            return blockedTopic;
        }
        if (group == null || group.isBlank()) {
            throw new IllegalArgumentException("name the consumer group with --group G (its blocked keys are on "
                    + "G-dlq-blocked) or the topic with --blocked-topic T");
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
        try (Consumer lookup = new Consumer(ConsumerConfig.builder(brokers).defaultApiTimeout(LOOKUP).build())) {
            lookup.partitionsFor(topic);
        } catch (ClientException e) {
            if (e.code() != ErrorCode.UNKNOWN_TOPIC) {
                throw e;
            }
            throw new CliException("NO_BLOCKED_KEYS_TOPIC", "no blocked-keys topic '" + topic + "': check --group "
                    + "(ordered mode keeps the blocks on <group>-dlq-blocked) or name the topic with --blocked-topic");
        }
        return BlockedKeys.open(brokers, topic);
    }
}
