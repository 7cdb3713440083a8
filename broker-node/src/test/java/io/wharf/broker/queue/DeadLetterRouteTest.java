package io.wharf.broker.queue;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.wharf.broker.MetadataScript;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.BindCommand;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Message;
import io.wharf.queue.DeadLetterTarget;
import io.wharf.queue.DeathReason;
import io.wharf.queue.QueueEffect;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** DeadLetterRoute: targets through the dead-letter exchange, the cycle rule, nowhere to go. */
class DeadLetterRouteTest {

    private final MetadataScript metadata = new MetadataScript();

    DeadLetterRouteTest() {
        metadata.activate(1);
        for (String queue : List.of("source", "other")) {
            metadata.submit(ControllerCommand.newBuilder().setDeclareQueue(DeclareQueueCommand.newBuilder()
                    .setName(queue)).build());
        }
        metadata.submit(ControllerCommand.newBuilder().setDeclareExchange(DeclareExchangeCommand.newBuilder()
                .setName("dlx").setType(ExchangeType.FANOUT)).build());
        for (String queue : List.of("source", "other")) {
            metadata.submit(ControllerCommand.newBuilder().setBind(BindCommand.newBuilder().setBinding(BindingInfo
                    .newBuilder().setSource("dlx").setDestination(queue).setDestinationKind(DestinationKind.QUEUE)))
                    .build());
        }
    }

    private static Message original() {
        return Message.newBuilder().setExchange("").setRoutingKey("source").setBody(ByteString.copyFromUtf8("b"))
                .build();
    }

    private static QueueEffect.DeadLetter died(DeathReason reason, String exchange, String key) {
        return new QueueEffect.DeadLetter(7, 7, reason, 5_000, new DeadLetterTarget(exchange, Optional.ofNullable(key)));
    }

    @Test
    void theDeadLetterGoesToEveryQueueTheExchangeRoutesItToWithXDeath() {
        DeadLetterRoute route = DeadLetterRoute.of(metadata.image(), "source", original(),
                died(DeathReason.REJECTED, "dlx", null));
        assertEquals(Set.of("source", "other"), Set.copyOf(route.queues()), "a rejected message may come back to its queue");
        assertEquals("dlx", route.message().getExchange());
        assertEquals("source", route.message().getRoutingKey(), "no dead-letter routing key: its own");
        assertEquals(List.of("source"), route.message().getXDeath(0).getRoutingKeysList());
    }

    @Test
    void aQueueTheMessageExpiredInIsNotATargetAgain() {
        DeadLetterRoute route = DeadLetterRoute.of(metadata.image(), "source", original(),
                died(DeathReason.EXPIRED, "dlx", null));
        assertEquals(List.of("other"), route.queues());

        Message expiredInOther = original().toBuilder().addXDeath(Death.newBuilder().setQueue("other")
                .setReason("expired").setCount(1)).build();
        assertEquals(List.of(), DeadLetterRoute.of(metadata.image(), "source", expiredInOther,
                died(DeathReason.MAXLEN, "dlx", null)).queues(), "both would close a cycle");
    }

    @Test
    void theDeadLetterRoutingKeyChoosesTheTargetAndAMissingExchangeRoutesNowhere() {
        assertEquals(List.of("other"), DeadLetterRoute.of(metadata.image(), "source", original(),
                died(DeathReason.REJECTED, "", "other")).queues());
        assertEquals(List.of(), DeadLetterRoute.of(metadata.image(), "source", original(),
                died(DeathReason.REJECTED, "no-such-exchange", "other")).queues());
        assertEquals(List.of(), DeadLetterRoute.of(metadata.image(), "source", original(),
                died(DeathReason.REJECTED, "", "no-such-queue")).queues());
    }
}
