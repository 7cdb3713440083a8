package io.wharf.metadata;

import static io.wharf.metadata.Commands.bind;
import static io.wharf.metadata.Commands.binding;
import static io.wharf.metadata.Commands.declareExchange;
import static io.wharf.metadata.Commands.declareQueue;
import static io.wharf.metadata.Commands.toExchange;
import static io.wharf.metadata.Commands.toQueue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExchangeRouterTest {

    private final Cluster cluster = Cluster.withActiveBrokers(1);

    ExchangeRouterTest() {
        for (String queue : List.of("q1", "q2", "q3", "q4")) {
            cluster.ok(declareQueue(queue));
        }
    }

    private List<String> route(String exchange, String key) {
        return route(exchange, key, Map.of());
    }

    private List<String> route(String exchange, String key, Map<String, String> headers) {
        Route route = ExchangeRouter.route(cluster.image(), exchange, key, headers);
        assertTrue(route.exchangeExists());
        return route.queues();
    }

    private void exchange(String name, ExchangeType type) {
        cluster.ok(declareExchange(name, type));
    }

    @Test
    void directMatchesEqualKeys() {
        exchange("d", ExchangeType.DIRECT);
        cluster.ok(bind(toQueue("d", "q1", "a")));
        cluster.ok(bind(toQueue("d", "q2", "a")));
        cluster.ok(bind(toQueue("d", "q3", "b")));
        assertEquals(List.of("q1", "q2"), route("d", "a"));
        assertEquals(List.of("q3"), route("d", "b"));
        assertEquals(List.of(), route("d", "c"));
        assertEquals(List.of(), route("d", "A"));
    }

    @Test
    void fanoutMatchesEveryBinding() {
        exchange("f", ExchangeType.FANOUT);
        cluster.ok(bind(toQueue("f", "q1", "ignored")));
        cluster.ok(bind(toQueue("f", "q2", "")));
        assertEquals(List.of("q1", "q2"), route("f", "anything"));
        assertEquals(List.of("q1", "q2"), route("f", ""));
        assertEquals(List.of(), route("amq.fanout", "x"), "no bindings");
    }

    @Test
    void topicMatchesWordsWithStarAndHash() {
        cluster.ok(bind(toQueue("amq.topic", "q1", "a.*")));
        cluster.ok(bind(toQueue("amq.topic", "q2", "a.#")));
        cluster.ok(bind(toQueue("amq.topic", "q3", "#")));
        cluster.ok(bind(toQueue("amq.topic", "q4", "*.b.*")));
        assertEquals(List.of("q2", "q3"), route("amq.topic", "a"), "a.# matches a; a.* does not");
        assertEquals(List.of("q1", "q2", "q3"), route("amq.topic", "a.x"));
        assertEquals(List.of("q2", "q3", "q4"), route("amq.topic", "a.b.c"));
        assertEquals(List.of("q3"), route("amq.topic", ""), "# matches the empty key");
        assertEquals(List.of("q3"), route("amq.topic", "b.a"));
    }

    @Test
    void headersMatchAllOrAnyIgnoringXArgumentsUnlessWithX() {
        cluster.ok(bind(binding("amq.match", DestinationKind.QUEUE, "q1", "", Map.of("a", "1", "b", "2"))));
        cluster.ok(bind(binding("amq.match", DestinationKind.QUEUE, "q2", "",
                Map.of("x-match", "any", "a", "1", "b", "2"))));
        cluster.ok(bind(binding("amq.match", DestinationKind.QUEUE, "q3", "",
                Map.of("x-match", "all", "a", "1", "x-tag", "t"))));
        cluster.ok(bind(binding("amq.match", DestinationKind.QUEUE, "q4", "",
                Map.of("x-match", "all-with-x", "a", "1", "x-tag", "t"))));

        assertEquals(List.of("q1", "q2", "q3"), route("amq.match", "", Map.of("a", "1", "b", "2")));
        assertEquals(List.of("q2", "q3"), route("amq.match", "", Map.of("a", "1")));
        assertEquals(List.of("q2", "q3", "q4"), route("amq.match", "", Map.of("a", "1", "x-tag", "t")));
        assertEquals(List.of("q2"), route("amq.match", "", Map.of("b", "2", "x-tag", "t")));
        assertEquals(List.of(), route("amq.match", "", Map.of("a", "2")));
        assertEquals(List.of(), route("amq.match", "", Map.of()));
    }

    @Test
    void headersMatchModesDirectly() {
        assertTrue(HeadersMatch.matches(Map.of(), Map.of()), "all over no arguments matches, as in RabbitMQ");
        assertFalse(HeadersMatch.matches(Map.of("x-match", "any"), Map.of("a", "1")));
        assertTrue(HeadersMatch.matches(Map.of("x-match", "any-with-x", "x-a", "1"), Map.of("x-a", "1")));
        assertFalse(HeadersMatch.matches(Map.of("x-match", "any", "x-a", "1"), Map.of("x-a", "1")));
    }

    @Test
    void defaultExchangeRoutesToTheQueueNamedByTheKey() {
        assertEquals(List.of("q1"), route("", "q1"));
        assertEquals(List.of(), route("", "missing"));
        assertTrue(cluster.image().bindings().isEmpty(), "its bindings are implicit");
    }

    @Test
    void unknownExchange() {
        Route route = ExchangeRouter.route(cluster.image(), "nope", "k", Map.of());
        assertEquals(Route.unknownExchange(), route);
        assertFalse(route.routed());
    }

    @Test
    void internalExchangesAreReported() {
        cluster.ok(declareExchange("inner", ExchangeType.FANOUT, true, Map.of()));
        cluster.ok(bind(toQueue("inner", "q1", "")));
        Route route = ExchangeRouter.route(cluster.image(), "inner", "", Map.of());
        assertTrue(route.internal());
        assertFalse(ExchangeRouter.route(cluster.image(), "amq.direct", "", Map.of()).internal());
    }

    @Test
    void exchangeToExchangeRoutesOnceAroundALoopAndListsAQueueOnce() {
        exchange("a", ExchangeType.FANOUT);
        exchange("b", ExchangeType.FANOUT);
        exchange("c", ExchangeType.DIRECT);
        cluster.ok(bind(toExchange("a", "b", "")));
        cluster.ok(bind(toExchange("b", "a", "")));
        cluster.ok(bind(toExchange("b", "b", "")));
        cluster.ok(bind(toExchange("b", "c", "")));
        cluster.ok(bind(toQueue("a", "q1", "")));
        cluster.ok(bind(toQueue("b", "q1", "")));
        cluster.ok(bind(toQueue("b", "q2", "")));
        cluster.ok(bind(toQueue("c", "q3", "k")));
        cluster.ok(bind(toQueue("c", "q1", "k")));

        assertEquals(List.of("q1", "q2", "q3"), route("a", "k"));
        assertEquals(List.of("q1", "q2"), route("b", "other"));
    }

    @Test
    void alternateExchangeTakesWhatMatchesNothingAlongAChain() {
        cluster.ok(declareExchange("main", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "ae1")));
        cluster.ok(declareExchange("ae1", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "ae2")));
        exchange("ae2", ExchangeType.FANOUT);
        cluster.ok(bind(toQueue("main", "q1", "k")));
        cluster.ok(bind(toQueue("ae1", "q2", "j")));
        cluster.ok(bind(toQueue("ae2", "q3", "")));

        assertEquals(List.of("q1"), route("main", "k"));
        assertEquals(List.of("q2"), route("main", "j"));
        assertEquals(List.of("q3"), route("main", "other"));
    }

    @Test
    void alternateExchangeLoopsAndMissingOnesEnd() {
        cluster.ok(declareExchange("x", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "y")));
        cluster.ok(declareExchange("y", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "x")));
        cluster.ok(declareExchange("z", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "missing")));
        cluster.ok(bind(toQueue("y", "q2", "k")));

        assertEquals(List.of(), route("x", "other"));
        assertEquals(List.of("q2"), route("x", "k"));
        assertEquals(List.of(), route("z", "k"));
    }

    @Test
    void anExchangeThatMatchedPassesNothingToItsAlternate() {
        cluster.ok(declareExchange("x", ExchangeType.DIRECT, false, Map.of("alternate-exchange", "amq.fanout")));
        exchange("empty", ExchangeType.DIRECT);
        cluster.ok(bind(toExchange("x", "empty", "k")));
        cluster.ok(bind(toQueue("amq.fanout", "q4", "")));
        // as in RabbitMQ: x's binding matched (to exchange "empty"), so x's alternate is not used
        assertEquals(List.of(), route("x", "k"));
        assertEquals(List.of("q4"), route("x", "j"));
    }
}
