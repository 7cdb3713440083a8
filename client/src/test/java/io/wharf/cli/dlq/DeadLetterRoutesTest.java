package io.wharf.cli.dlq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which queues {@link DeadLetterRoutes} finds a queue's dead letters go to, for each kind of exchange. */
class DeadLetterRoutesTest {

    private static QueueInfo queue(String name, Map<String, String> arguments) {
        return QueueInfo.newBuilder().setName(name).putAllArguments(arguments).build();
    }

    private static ExchangeInfo exchange(String name, ExchangeType type) {
        return ExchangeInfo.newBuilder().setName(name).setType(type).build();
    }

    private static BindingInfo binding(String source, String destination, DestinationKind kind, String key) {
        return BindingInfo.newBuilder().setSource(source).setDestination(destination).setDestinationKind(kind)
                .setRoutingKey(key).build();
    }

    private static Set<String> targets(DeadLetterRoutes routes, String source) {
        return routes.feeds().stream().filter(f -> f.source().equals(source)).findFirst().orElseThrow().targets();
    }

    @Test
    void followsTopicPatternsFanoutAndExchangeToExchangeBindings() {
        DeadLetterRoutes routes = DeadLetterRoutes.resolve(
                List.of(queue("a", Map.of("x-dead-letter-exchange", "dead", "x-dead-letter-routing-key", "dead.pdf.a")),
                        queue("b", Map.of("x-dead-letter-exchange", "fan")),
                        queue("pdf.dlq", Map.of()), queue("other.dlq", Map.of()), queue("fan.dlq", Map.of())),
                List.of(exchange("dead", ExchangeType.TOPIC), exchange("fan", ExchangeType.FANOUT),
                        exchange("inner", ExchangeType.FANOUT)),
                List.of(binding("dead", "pdf.dlq", DestinationKind.QUEUE, "dead.pdf.*"),
                        binding("dead", "other.dlq", DestinationKind.QUEUE, "dead.img.#"),
                        binding("dead", "inner", DestinationKind.EXCHANGE, "#.a"),
                        binding("inner", "fan.dlq", DestinationKind.QUEUE, ""),
                        binding("fan", "fan.dlq", DestinationKind.QUEUE, "ignored")));
        assertEquals(Set.of("pdf.dlq", "fan.dlq"), targets(routes, "a"));
        assertEquals(Set.of("fan.dlq"), targets(routes, "b"));
        assertEquals(Set.of("fan.dlq", "pdf.dlq"), routes.deadLetterQueues());
        assertEquals(List.of("a", "b"), routes.sourcesOf("fan.dlq"));
    }

    @Test
    void theDefaultExchangeRoutesByKeyAndAMissingExchangeRoutesNowhere() {
        DeadLetterRoutes routes = DeadLetterRoutes.resolve(
                List.of(queue("a", Map.of("x-dead-letter-exchange", "", "x-dead-letter-routing-key", "a.dlq")),
                        queue("own-key", Map.of("x-dead-letter-exchange", "")),
                        queue("lost", Map.of("x-dead-letter-exchange", "gone")), queue("a.dlq", Map.of())),
                List.of(exchange("", ExchangeType.DIRECT)), List.of());
        assertEquals(Set.of("a.dlq"), targets(routes, "a"));
        assertEquals(Set.of(), targets(routes, "own-key"));
        assertFalse(routes.feeds().stream().filter(f -> f.source().equals("lost")).findFirst().orElseThrow()
                .exchangeExists());
        assertEquals(Set.of("a.dlq"), routes.deadLetterQueues());
    }
}
