package io.wharf.cli.dlq;

import java.util.Optional;

/**
 * What {@code --to EXCHANGE[:ROUTING_KEY]} names: an exchange, and a routing key when one follows
 * the first ':' (routing keys may hold ':', exchange names given this way may not). Immutable.
 *
 * @param exchange the exchange; "" is the default exchange
 * @param routingKey the key every replayed message gets; empty: each keeps its original keys
 */
public record ReplayDestination(String exchange, Optional<String> routingKey) {

    /** Parses {@code EXCHANGE[:ROUTING_KEY]}. */
    public static ReplayDestination parse(String to) {
        int colon = to.indexOf(':');
        return colon < 0 ? new ReplayDestination(to, Optional.empty())
                : new ReplayDestination(to.substring(0, colon), Optional.of(to.substring(colon + 1)));
    }
}
