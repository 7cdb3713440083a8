package io.wharf.metadata;

import static io.wharf.metadata.Commands.bind;
import static io.wharf.metadata.Commands.binding;
import static io.wharf.metadata.Commands.declareExchange;
import static io.wharf.metadata.Commands.declareQueue;
import static io.wharf.metadata.Commands.toExchange;
import static io.wharf.metadata.Commands.toQueue;
import static io.wharf.metadata.Commands.unbind;
import static io.wharf.metadata.ExchangesTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BindingsTest {

    private final Cluster cluster = Cluster.withActiveBrokers(1);

    BindingsTest() {
        cluster.ok(declareExchange("x", ExchangeType.DIRECT));
        cluster.ok(declareExchange("h", ExchangeType.HEADERS));
        cluster.ok(declareQueue("q"));
    }

    @Test
    void bindingsAreASetWhoseIdentityIsAllFiveFields() {
        cluster.ok(bind(toQueue("x", "q", "k")));
        cluster.unchanged(bind(toQueue("x", "q", "k")));
        cluster.ok(bind(toQueue("x", "q", "other")));
        cluster.ok(bind(binding("x", DestinationKind.QUEUE, "q", "k", Map.of("a", "1"))));
        cluster.ok(bind(binding("x", DestinationKind.QUEUE, "q", "k", Map.of("a", "2"))));
        cluster.ok(bind(toExchange("x", "h", "k")));
        cluster.unchanged(bind(binding("x", DestinationKind.QUEUE, "q", "k", Map.of("a", "2"))));

        assertEquals(5, cluster.image().bindings().size());
        assertEquals(cluster.image().bindings(), cluster.image().bindingSet().from("x"));
        assertTrue(cluster.image().bindingSet().from("h").isEmpty());
    }

    @Test
    void unbindRemovesExactlyThatBindingAndIgnoresAMissingOne() {
        cluster.ok(bind(toQueue("x", "q", "k")));
        cluster.ok(bind(toQueue("x", "q", "j")));
        CommandOutcome outcome = cluster.ok(unbind(toQueue("x", "q", "k")));
        assertEquals(1, outcome.records().size());
        assertEquals(List.of(toQueue("x", "q", "j")), cluster.image().bindings());
        cluster.unchanged(unbind(toQueue("x", "q", "k")));
        cluster.unchanged(unbind(binding("x", DestinationKind.QUEUE, "q", "j", Map.of("a", "1"))));
    }

    @Test
    void unknownEndsAreNotFoundNamingThem() {
        assertMessage(cluster.rejected(bind(toQueue("nope", "q", "")), ErrorCode.NOT_FOUND), "exchange 'nope'");
        assertMessage(cluster.rejected(bind(toQueue("x", "nope", "")), ErrorCode.NOT_FOUND), "queue 'nope'");
        assertMessage(cluster.rejected(bind(toExchange("x", "nope", "")), ErrorCode.NOT_FOUND), "exchange 'nope'");
        assertMessage(cluster.rejected(unbind(toQueue("nope", "q", "")), ErrorCode.NOT_FOUND), "exchange 'nope'");
        assertMessage(cluster.rejected(unbind(toQueue("x", "nope", "")), ErrorCode.NOT_FOUND), "queue 'nope'");
    }

    @Test
    void theDefaultExchangeCannotBeBoundFromOrTo() {
        for (BindingInfo binding : List.of(toQueue("", "q", "q"), toExchange("x", "", ""), toQueue("x", "", ""))) {
            cluster.rejected(bind(binding), ErrorCode.ACCESS_REFUSED);
            cluster.rejected(unbind(binding), ErrorCode.ACCESS_REFUSED);
            assertEquals(ErrorCode.ACCESS_REFUSED, CommandProcessor.precheck(bind(binding)).get(0).getError().getCode());
        }
    }

    @Test
    void bindingsToAndFromBuiltInsAreAllowed() {
        cluster.ok(bind(toQueue("amq.topic", "q", "a.#")));
        cluster.ok(bind(toExchange("x", "amq.fanout", "k")));
        assertEquals(2, cluster.image().bindings().size());
    }

    @Test
    void destinationKindAndNamesAreChecked() {
        BindingInfo noKind = binding("x", DestinationKind.DESTINATION_KIND_UNSPECIFIED, "q", "", Map.of());
        assertMessage(cluster.rejected(bind(noKind), ErrorCode.INVALID_ARGUMENT), "QUEUE or EXCHANGE");
        cluster.rejected(bind(toQueue("x", "a:b", "")), ErrorCode.INVALID_NAME);
        cluster.rejected(bind(toQueue("a b", "q", "")), ErrorCode.INVALID_NAME);
        cluster.rejected(bind(toExchange("x", "a b", "")), ErrorCode.INVALID_NAME);
    }

    @Test
    void headersBindingsNeedAKnownMatchMode() {
        for (String mode : List.of("all", "any", "all-with-x", "any-with-x")) {
            cluster.ok(bind(binding("h", DestinationKind.QUEUE, "q", "", Map.of("x-match", mode, "k", "v"))));
        }
        assertMessage(cluster.rejected(bind(binding("h", DestinationKind.QUEUE, "q", "",
                Map.of("x-match", "some"))), ErrorCode.INVALID_ARGUMENT), "x-match=some");
        // other exchange types do not read x-match
        cluster.ok(bind(binding("x", DestinationKind.QUEUE, "q", "", Map.of("x-match", "some"))));
    }
}
