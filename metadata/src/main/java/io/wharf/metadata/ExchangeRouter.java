package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Routes a message through the exchanges of an image to queues, as RabbitMQ does. Each exchange
 * matches its bindings by its type (direct: key equal to the routing key; fanout: all; topic:
 * {@link TopicPattern}; headers: {@link HeadersMatch}). A binding to an exchange routes on from
 * that exchange; an exchange whose bindings match nothing passes the message to its alternate
 * exchange, if that exists. Every exchange is visited at most once per message, so loops of
 * bindings or alternate exchanges end, and a queue reached along several paths gets the message
 * once. The default exchange "" routes to the queue named by the routing key, if it exists.
 * Pure and stateless.
 */
public final class ExchangeRouter {

    private ExchangeRouter() {
    }

    /**
     * The route of a message published to {@code exchange}. The internal flag is reported, not
     * enforced: routing goes on so that exchange-to-exchange paths and tools can use it too.
     */
    public static Route route(MetadataImage image, String exchange, String routingKey, Map<String, String> headers) {
        Optional<ExchangeImage> entry = image.exchange(exchange);
        if (entry.isEmpty()) {
            return Route.unknownExchange();
        }
        Set<String> queues = new LinkedHashSet<>();
        Set<String> visited = new HashSet<>();
        Deque<String> pending = new ArrayDeque<>();
        pending.add(exchange);
        while (!pending.isEmpty()) {
            String name = pending.poll();
            Optional<ExchangeImage> current = image.exchange(name);
            if (current.isEmpty() || !visited.add(name)) {
                continue; // a missing alternate exchange, or one already routed from
            }
            if (name.equals(BuiltinExchanges.DEFAULT)) {
                if (image.queue(routingKey).isPresent()) {
                    queues.add(routingKey);
                }
                continue;
            }
            boolean matched = false;
            for (BindingInfo binding : image.bindingSet().from(name)) {
                if (!matches(current.get(), binding, routingKey, headers)) {
                    continue;
                }
                matched = true;
                if (binding.getDestinationKind() == DestinationKind.QUEUE) {
                    queues.add(binding.getDestination());
                } else {
                    pending.add(binding.getDestination());
                }
            }
            if (!matched) {
                current.get().alternateExchange().ifPresent(pending::add);
            }
        }
        return new Route(true, entry.get().internal(), queues.stream().toList());
    }

    private static boolean matches(ExchangeImage exchange, BindingInfo binding, String routingKey,
                                   Map<String, String> headers) {
        return switch (exchange.type()) {
            case DIRECT -> binding.getRoutingKey().equals(routingKey);
            case FANOUT -> true;
            case TOPIC -> TopicPattern.matches(binding.getRoutingKey(), routingKey);
            case HEADERS -> HeadersMatch.matches(binding.getArgumentsMap(), headers);
            default -> false;
        };
    }
}
