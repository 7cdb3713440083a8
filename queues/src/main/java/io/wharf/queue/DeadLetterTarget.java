package io.wharf.queue;

import io.wharf.proto.queue.Message;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a queue's dead letters go: x-dead-letter-exchange, and x-dead-letter-routing-key when set.
 * The exchange need not exist (RabbitMQ then drops the dead letters). Immutable.
 *
 * @param exchange   the exchange to publish dead letters to ("" is the default exchange)
 * @param routingKey the routing key to publish them with; empty: each message's own routing key
 */
public record DeadLetterTarget(String exchange, Optional<String> routingKey) {

    public DeadLetterTarget {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
    }

    /** The routing keys to publish {@code original}'s dead letter with. */
    public List<String> routingKeys(Message original) {
        return List.of(routingKey.orElse(original.getRoutingKey()));
    }
}
