package io.wharf.queue;

import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class SettleTest {

    private static QueueLog twoHeldByC1() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.publish("bb");
        return log;
    }

    @Test
    void anAckRemovesTheMessage() {
        QueueLog log = twoHeldByC1();
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.ACK)),
                log.append(settle("c1", Settle.Outcome.ACK, 1L)));
        assertEquals(OptionalLong.empty(), log.machine.location(1));
        assertEquals(List.of(2L), log.machine.heldBy("c1"));
        assertEquals(1, log.machine.liveCount());
    }

    @Test
    void aRequeueIsNotAFailedDelivery() {
        QueueLog log = twoHeldByC1();
        log.append(subscribe("c2", 0));
        List<QueueEffect> effects = log.append(settle("c1", Settle.Outcome.REQUEUE, 2L, 1L));
        assertEquals(new QueueEffect.Settled("c1", List.of(2L, 1L), Settle.Outcome.REQUEUE), effects.get(0));
        // Back in id order, to the next consumer in turn; counted as delivered before, not as failed.
        assertEquals(List.of(new QueueEffect.Deliver("c2", 1, 1, true, 0), new QueueEffect.Deliver("c1", 2, 2, true, 0)),
                deliveries(effects));
    }

    @Test
    void aRejectIsAFailedDeliveryAndDiscardsTheMessage() {
        QueueLog log = twoHeldByC1();
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(2L), Settle.Outcome.REJECT),
                        new QueueEffect.Discarded(List.of(new DiscardedMessage(2, 2, 1, DeathReason.REJECTED)))),
                log.append(settle("c1", Settle.Outcome.REJECT, 2L)));
        assertEquals(OptionalLong.empty(), log.machine.location(2));
        assertEquals(1, log.machine.liveCount());
    }

    @Test
    void onlyMessagesTheConsumerHoldsAreSettled() {
        QueueLog log = twoHeldByC1();
        log.append(subscribe("c2", 0));
        log.publish("c");
        assertEquals(Optional.of("c2"), log.machine.holder(4));
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.ACK)),
                log.append(settle("c1", Settle.Outcome.ACK, 4L, 1L, 99L, 1L)));
        assertEquals(Optional.of("c2"), log.machine.holder(4));
        assertEquals(List.of(new QueueEffect.Settled("nobody", List.of(), Settle.Outcome.REJECT)),
                log.append(settle("nobody", Settle.Outcome.REJECT, 2L)));
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(), Settle.Outcome.OUTCOME_UNSPECIFIED)),
                log.append(settle("c1", Settle.Outcome.OUTCOME_UNSPECIFIED, 2L)));
        assertEquals(List.of(2L), log.machine.heldBy("c1"));
    }
}
