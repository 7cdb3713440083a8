package io.wharf.client.dlq;

import io.wharf.proto.common.QueueInfo;
import java.util.Optional;

/**
 * Where a queue's dead letters go, as the queue was declared: its {@code x-dead-letter-exchange},
 * with {@code x-dead-letter-routing-key} when set (else each message's own routing key). Immutable.
 *
 * @param exchange the exchange ("" is the default exchange)
 * @param routingKey the routing key every dead letter gets; empty to keep the message's own
 */
public record DeadLetterExchange(String exchange, Optional<String> routingKey) {

    /**
     * The dead-letter exchange of {@code queue}.
     *
     * @throws IllegalArgumentException when the queue has no {@code x-dead-letter-exchange}
     */
    public static DeadLetterExchange of(QueueInfo queue) {
        String exchange = queue.getArgumentsMap().get("x-dead-letter-exchange");
        if (exchange == null) {
            throw new IllegalArgumentException("queue '" + queue.getName() + "' has no x-dead-letter-exchange: declare it "
                    + "with one, so that its dead letters have somewhere to go");
        }
        return new DeadLetterExchange(exchange, Optional.ofNullable(queue.getArgumentsMap().get("x-dead-letter-routing-key")));
    }

    /** The routing key of the dead letter of a message published with {@code originalRoutingKey}. */
    public String routingKeyFor(String originalRoutingKey) {
        return routingKey.orElse(originalRoutingKey);
    }
}
