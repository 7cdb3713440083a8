package io.wharf.cli.dlq;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Which queues the dead letters of each queue go to, worked out from the metadata alone (queues
 * with their arguments, exchanges, bindings): a queue is a dead-letter queue when some queue's
 * {@code x-dead-letter-exchange} routes to it. Immutable.
 *
 * <p>The routing key is {@code x-dead-letter-routing-key}; without it every dead letter keeps its
 * own routing key, which the metadata cannot know, so every binding of a direct or topic exchange
 * counts (and for the default exchange, which routes by key to the queue of that name, none can
 * be named). Headers exchanges match message headers, also unknown here: every binding counts.
 * Exchange-to-exchange bindings are followed, each exchange once.
 */
public final class DeadLetterRoutes {

    /**
     * One queue that dead-letters: where its dead letters go.
     *
     * @param source the queue whose dead letters these are
     * @param exchange its {@code x-dead-letter-exchange} ("" is the default exchange)
     * @param routingKey its {@code x-dead-letter-routing-key}, empty when each dead letter keeps its own key
     * @param exchangeExists false when no such exchange is declared: its dead letters are dropped
     * @param targets the queues the exchange routes them to (none: they are dropped)
     */
    public record Feed(String source, String exchange, Optional<String> routingKey, boolean exchangeExists,
                       Set<String> targets) {
    }

    private final Map<String, Feed> feeds;

    private DeadLetterRoutes(Map<String, Feed> feeds) {
        this.feeds = feeds;
    }

    /** Resolves every queue's dead-letter exchange through {@code exchanges} and {@code bindings}. */
    public static DeadLetterRoutes resolve(List<QueueInfo> queues, List<ExchangeInfo> exchanges,
                                           List<BindingInfo> bindings) {
        Map<String, ExchangeInfo> byName = exchanges.stream()
                .collect(Collectors.toMap(ExchangeInfo::getName, Function.identity(), (a, b) -> a));
        Set<String> queueNames = queues.stream().map(QueueInfo::getName).collect(Collectors.toSet());
        Map<String, Feed> feeds = new TreeMap<>();
        for (QueueInfo queue : queues) {
            String exchange = queue.getArgumentsMap().get("x-dead-letter-exchange");
            if (exchange == null) {
                continue;
            }
            Optional<String> key = Optional.ofNullable(queue.getArgumentsMap().get("x-dead-letter-routing-key"));
            boolean exists = exchange.isEmpty() || byName.containsKey(exchange);
            Set<String> targets = new TreeSet<>();
            if (exchange.isEmpty()) {
                key.filter(queueNames::contains).ifPresent(targets::add);
            } else if (exists) {
                collect(exchange, key, byName, bindings, new HashSet<>(), targets);
            }
            feeds.put(queue.getName(), new Feed(queue.getName(), exchange, key, exists, targets));
        }
        return new DeadLetterRoutes(feeds);
    }

    /** Every queue with a dead-letter exchange, by name. */
    public List<Feed> feeds() {
        return List.copyOf(feeds.values());
    }

    /** The dead-letter queues, sorted: every queue some feed routes to. */
    public Set<String> deadLetterQueues() {
        return feeds.values().stream().flatMap(f -> f.targets().stream()).collect(Collectors.toCollection(TreeSet::new));
    }

    /** The queues whose dead letters go to {@code deadLetterQueue}, sorted. */
    public List<String> sourcesOf(String deadLetterQueue) {
        return feeds.values().stream().filter(f -> f.targets().contains(deadLetterQueue)).map(Feed::source).toList();
    }

    private static void collect(String exchange, Optional<String> key, Map<String, ExchangeInfo> exchanges,
                                List<BindingInfo> bindings, Set<String> visited, Set<String> targets) {
        ExchangeInfo info = exchanges.get(exchange);
        if (info == null || !visited.add(exchange)) {
            return;
        }
        List<BindingInfo> matching = new ArrayList<>();
        for (BindingInfo binding : bindings) {
            if (binding.getSource().equals(exchange) && matches(info.getType(), binding.getRoutingKey(), key)) {
                matching.add(binding);
            }
        }
        for (BindingInfo binding : matching) {
            if (binding.getDestinationKind() == DestinationKind.EXCHANGE) {
                collect(binding.getDestination(), key, exchanges, bindings, visited, targets);
            } else {
                targets.add(binding.getDestination());
            }
        }
    }

    /** Whether a binding with {@code bindingKey} takes a dead letter with {@code key} (empty: any key). */
    private static boolean matches(ExchangeType type, String bindingKey, Optional<String> key) {
        return switch (type) {
            case DIRECT -> key.map(bindingKey::equals).orElse(true);
            case TOPIC -> key.map(k -> topicMatches(bindingKey.split("\\.", -1), 0, k.split("\\.", -1), 0)).orElse(true);
            default -> true;
        };
    }

    /** AMQP topic matching: {@code *} is one word, {@code #} zero or more. */
    private static boolean topicMatches(String[] pattern, int p, String[] words, int w) {
        if (p == pattern.length) {
            return w == words.length;
        }
        if (pattern[p].equals("#")) {
            for (int skip = w; skip <= words.length; skip++) {
                if (topicMatches(pattern, p + 1, words, skip)) {
                    return true;
                }
            }
            return false;
        }
        return w < words.length && (pattern[p].equals("*") || pattern[p].equals(words[w]))
                && topicMatches(pattern, p + 1, words, w + 1);
    }
}
