package io.wharf.cli.dlq;

import io.wharf.client.dlq.QueueDeadLetter;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import java.util.List;
import java.util.Optional;

/**
 * Where {@code wharf dlq replay} republishes a dead letter: an exchange and the routing keys to
 * publish it with (once per key, as the broker dead-lettered it once per key). Immutable.
 *
 * @param exchange the exchange ("" is the default exchange)
 * @param routingKeys at least one key
 */
public record ReplayTarget(String exchange, List<String> routingKeys) {

    public ReplayTarget {
        routingKeys = List.copyOf(routingKeys);
        if (routingKeys.isEmpty()) {
            throw new IllegalArgumentException("a replay target needs a routing key");
        }
    }

    /**
     * A dead letter's origin, as RabbitMQ records it: the exchange of its first death
     * ({@code x-first-death-exchange}) with the routing keys it had been published with then (the
     * x-death entry of that first death's queue and reason). A dead letter the SDK's queue loop
     * wrote has no x-death: its origin is its {@code error.origin.queue}, through the default
     * exchange, so that it goes back to that queue alone. Empty when it carries neither.
     */
    public static Optional<ReplayTarget> origin(Message message) {
        return firstDeathOrigin(message).or(() -> Optional.ofNullable(
                message.getHeadersMap().get(QueueDeadLetter.ORIGIN_QUEUE)).map(queue -> new ReplayTarget("", List.of(queue))));
    }

    /**
     * The target {@code --to} names for {@code message}: its exchange with its routing key, or
     * without one the message's original routing keys (those of its first death, else the SDK's
     * {@code error.origin.routing-key}); empty when it has none.
     */
    public static Optional<ReplayTarget> of(ReplayDestination to, Message message) {
        if (to.routingKey().isPresent()) {
            return Optional.of(new ReplayTarget(to.exchange(), List.of(to.routingKey().get())));
        }
        Optional<List<String>> original = firstDeathOrigin(message).map(ReplayTarget::routingKeys)
                .or(() -> Optional.ofNullable(message.getHeadersMap().get(QueueDeadLetter.ORIGIN_ROUTING_KEY))
                        .map(List::of));
        return original.map(keys -> new ReplayTarget(to.exchange(), keys));
    }

    /** The exchange and routing keys of the first death, as x-death has them; empty without. */
    private static Optional<ReplayTarget> firstDeathOrigin(Message message) {
        String exchange = message.getHeadersMap().get("x-first-death-exchange");
        Optional<Death> first = firstDeath(message);
        if (exchange == null || first.isEmpty() || first.get().getRoutingKeysCount() == 0) {
            return Optional.empty();
        }
        return Optional.of(new ReplayTarget(exchange, first.get().getRoutingKeysList()));
    }

    /** The x-death entry of the first death (x-death is newest first; a repeated death moves its entry up). */
    private static Optional<Death> firstDeath(Message message) {
        String queue = message.getHeadersMap().get("x-first-death-queue");
        String reason = message.getHeadersMap().get("x-first-death-reason");
        List<Death> deaths = message.getXDeathList();
        return deaths.stream().filter(d -> d.getQueue().equals(queue) && d.getReason().equals(reason)).findFirst()
                .or(() -> deaths.isEmpty() ? Optional.empty() : Optional.of(deaths.get(deaths.size() - 1)));
    }

    @Override
    public String toString() {
        return (exchange.isEmpty() ? "(default)" : exchange) + " " + String.join(",", routingKeys);
    }
}
