package io.wharf.metadata;

import java.util.List;

/**
 * Where a message published to one exchange goes. Immutable.
 *
 * @param exchangeExists false when the exchange is unknown (RabbitMQ closes the channel with NOT_FOUND)
 * @param internal       the exchange is internal: clients may not publish to it (ACCESS_REFUSED)
 * @param queues         the queues to enqueue it on, each once, in routing order; empty when the
 *                       message is unroutable (for a mandatory publish: return it)
 */
public record Route(boolean exchangeExists, boolean internal, List<String> queues) {

    public Route {
        queues = List.copyOf(queues);
    }

    /** The route of a message to an exchange that does not exist. */
    public static Route unknownExchange() {
        return new Route(false, false, List.of());
    }

    /** True when the message reaches at least one queue. */
    public boolean routed() {
        return !queues.isEmpty();
    }
}
