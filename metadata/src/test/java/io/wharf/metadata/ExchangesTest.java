package io.wharf.metadata;

import static io.wharf.metadata.Commands.bind;
import static io.wharf.metadata.Commands.declareExchange;
import static io.wharf.metadata.Commands.declareQueue;
import static io.wharf.metadata.Commands.deleteExchange;
import static io.wharf.metadata.Commands.exchangeExists;
import static io.wharf.metadata.Commands.toExchange;
import static io.wharf.metadata.Commands.toQueue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.MetadataRecord;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExchangesTest {

    @Test
    void builtInExchangesExistWithoutRecords() {
        MetadataImage image = MetadataImage.empty();
        assertEquals(List.of("", "amq.direct", "amq.fanout", "amq.headers", "amq.match", "amq.topic"),
                List.copyOf(image.exchanges().keySet()));
        assertEquals(ExchangeType.DIRECT, image.exchange("").orElseThrow().type());
        assertEquals(ExchangeType.FANOUT, image.exchange("amq.fanout").orElseThrow().type());
        assertEquals(ExchangeType.TOPIC, image.exchange("amq.topic").orElseThrow().type());
        assertEquals(ExchangeType.HEADERS, image.exchange("amq.match").orElseThrow().type());
        assertTrue(image.exchanges().values().stream().allMatch(ExchangeImage::builtin));
        assertEquals(0, MetadataSnapshots.toSnapshot(Cluster.withActiveBrokers(1).image()).getRecordsList().stream()
                .filter(MetadataRecord::hasExchange).count());
    }

    @Test
    void declaresAnExchangeOnceAndThenIsIdempotent() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        Map<String, String> arguments = Map.of("alternate-exchange", "ae");
        CommandOutcome outcome = cluster.ok(declareExchange("orders", ExchangeType.TOPIC, true, arguments));

        assertEquals(1, outcome.records().size());
        ExchangeImage orders = cluster.image().exchange("orders").orElseThrow();
        assertEquals(new ExchangeImage("orders", ExchangeType.TOPIC, true, arguments, false), orders);
        assertEquals("ae", orders.alternateExchange().orElseThrow());
        cluster.unchanged(declareExchange("orders", ExchangeType.TOPIC, true, arguments));
        cluster.unchanged(exchangeExists("orders"));
    }

    @Test
    void redeclarationWithOtherPropertiesNamesTheDifference() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(declareExchange("x", ExchangeType.TOPIC, false, Map.of("alternate-exchange", "ae")));

        assertMessage(cluster.rejected(declareExchange("x", ExchangeType.DIRECT, false,
                Map.of("alternate-exchange", "ae")), ErrorCode.PRECONDITION_FAILED),
                "exchange 'x' exists with type topic, not direct");
        assertMessage(cluster.rejected(declareExchange("x", ExchangeType.TOPIC, true,
                Map.of("alternate-exchange", "ae")), ErrorCode.PRECONDITION_FAILED),
                "exchange 'x' exists with internal=false, not true");
        assertMessage(cluster.rejected(declareExchange("x", ExchangeType.TOPIC, false,
                Map.of("alternate-exchange", "other")), ErrorCode.PRECONDITION_FAILED),
                "exchange 'x' exists with alternate-exchange=ae, not other");
        assertMessage(cluster.rejected(declareExchange("x", ExchangeType.TOPIC), ErrorCode.PRECONDITION_FAILED),
                "exchange 'x' exists with alternate-exchange=ae, not (unset)");
    }

    @Test
    void passiveDeclareOnlyChecksExistence() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        assertMessage(cluster.rejected(exchangeExists("nope"), ErrorCode.NOT_FOUND), "exchange 'nope' does not exist");
        cluster.unchanged(exchangeExists("amq.topic"));
        cluster.ok(declareExchange("x", ExchangeType.FANOUT));
        cluster.unchanged(exchangeExists("x"));
    }

    @Test
    void builtInsMayBeRedeclaredAsTheyAreButNotOtherwise() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.unchanged(declareExchange("amq.direct", ExchangeType.DIRECT));
        cluster.unchanged(declareExchange("amq.match", ExchangeType.HEADERS));
        assertMessage(cluster.rejected(declareExchange("amq.topic", ExchangeType.FANOUT),
                ErrorCode.PRECONDITION_FAILED), "type topic, not fanout");
    }

    @Test
    void reservedNamesAreRefused() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        assertMessage(cluster.rejected(declareExchange("amq.mine", ExchangeType.DIRECT), ErrorCode.ACCESS_REFUSED),
                "reserved");
        for (ControllerCommand command : List.of(declareExchange("", ExchangeType.DIRECT), exchangeExists(""),
                deleteExchange("", false), deleteExchange("amq.direct", false), deleteExchange("amq.fanout", true))) {
            cluster.rejected(command, ErrorCode.ACCESS_REFUSED);
        }
        assertEquals(6, cluster.image().exchanges().size());
    }

    @Test
    void invalidNamesAndTypesAreRefused() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        assertMessage(cluster.rejected(declareExchange("a b", ExchangeType.DIRECT), ErrorCode.INVALID_NAME),
                "illegal character ' '");
        assertMessage(cluster.rejected(declareExchange("x/y", ExchangeType.DIRECT), ErrorCode.INVALID_NAME),
                "[a-zA-Z0-9._:-]");
        cluster.rejected(declareExchange("a".repeat(256), ExchangeType.DIRECT), ErrorCode.INVALID_NAME);
        cluster.rejected(deleteExchange("ü", false), ErrorCode.INVALID_NAME);
        assertMessage(cluster.rejected(declareExchange("x", ExchangeType.EXCHANGE_TYPE_UNSPECIFIED),
                ErrorCode.INVALID_ARGUMENT), "direct, fanout, topic or headers");
        cluster.ok(declareExchange("a".repeat(255), ExchangeType.DIRECT));
        cluster.ok(declareExchange("Az09._:-", ExchangeType.DIRECT));
    }

    @Test
    void statelessRejectionsArePrechecked() {
        assertEquals(ErrorCode.INVALID_NAME, CommandProcessor.precheck(declareExchange("a b", ExchangeType.DIRECT))
                .get(0).getError().getCode());
        assertEquals(ErrorCode.ACCESS_REFUSED, CommandProcessor.precheck(deleteExchange("amq.topic", false))
                .get(0).getError().getCode());
        assertTrue(CommandProcessor.precheck(declareExchange("x", ExchangeType.DIRECT)).isEmpty());
        assertTrue(CommandProcessor.precheck(deleteExchange("x", true)).isEmpty());
    }

    @Test
    void deleteRemovesTheExchangeAndEveryBindingFromOrToIt() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(declareExchange("x", ExchangeType.DIRECT));
        cluster.ok(declareExchange("y", ExchangeType.FANOUT));
        cluster.ok(declareQueue("q", Map.of()));
        cluster.ok(bind(toQueue("x", "q", "k")));
        cluster.ok(bind(toExchange("y", "x", "")));
        cluster.ok(bind(toExchange("amq.fanout", "x", "")));
        cluster.ok(bind(toQueue("y", "q", "")));

        CommandOutcome outcome = cluster.ok(deleteExchange("x", false));

        assertEquals(1, outcome.records().size(), "one RemoveExchangeRecord; the bindings go with it");
        assertTrue(cluster.image().exchange("x").isEmpty());
        assertEquals(List.of(toQueue("y", "q", "")), cluster.image().bindings());
        assertMessage(cluster.rejected(deleteExchange("x", false), ErrorCode.NOT_FOUND), "exchange 'x' does not exist");
    }

    @Test
    void ifUnusedRefusesAnExchangeThatIsTheSourceOfABinding() {
        Cluster cluster = Cluster.withActiveBrokers(1);
        cluster.ok(declareExchange("x", ExchangeType.DIRECT));
        cluster.ok(declareExchange("unused", ExchangeType.DIRECT));
        cluster.ok(declareQueue("q", Map.of()));
        cluster.ok(bind(toQueue("x", "q", "k")));
        cluster.ok(bind(toExchange("amq.direct", "unused", "k")));

        assertMessage(cluster.rejected(deleteExchange("x", true), ErrorCode.PRECONDITION_FAILED),
                "source of 1 binding");
        cluster.ok(deleteExchange("unused", true));
        assertFalse(cluster.image().exchange("unused").isPresent());
        assertEquals(List.of(toQueue("x", "q", "k")), cluster.image().bindings());
    }

    static void assertMessage(ItemResult item, String expected) {
        assertTrue(item.getError().getMessage().contains(expected),
                () -> "'" + item.getError().getMessage() + "' should contain '" + expected + "'");
    }
}
