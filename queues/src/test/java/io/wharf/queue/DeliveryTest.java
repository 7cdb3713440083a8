package io.wharf.queue;

import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Qos;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class DeliveryTest {

    @Test
    void readyMessagesWaitForAConsumerAndGoOutOnItsSubscribe() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.publish("b");
        log.nowMs = 5_000;
        List<QueueEffect> effects = log.append(subscribe("c1", 0));
        assertEquals(List.of(new QueueEffect.Deliver("c1", 0, 0, false, 0), new QueueEffect.Deliver("c1", 1, 1, false, 0)),
                effects);
        assertEquals(0, log.machine.readyCount());
        assertEquals(2, log.machine.unackedCount());
        assertEquals(List.of(0L, 1L), log.machine.heldBy("c1"));
        assertEquals(Optional.of("c1"), log.machine.holder(0));
        assertTrue(log.machine.isHeldBy("c1", 1));
        assertFalse(log.machine.isHeldBy("c2", 1));
    }

    @Test
    void anEnqueueIsDeliveredWhenItIsApplied() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 10));
        assertEquals(List.of(new QueueEffect.Deliver("c1", 1, 1, false, 0)), log.append(QueueLog.enqueue("", 0, "a")));
    }

    @Test
    void aQosEntryChangesALiveConsumersPrefetchAndACheckpointKeepsIt() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 2));
        for (int i = 0; i < 6; i++) {
            log.publish("m" + i);
        }
        assertEquals(2, log.machine.heldBy("c1").size());
        List<QueueEffect.Deliver> more = deliveries(log.append(qos("c1", 4)));
        assertEquals(2, more.size(), "a higher prefetch takes more at once");
        assertEquals(4, log.machine.heldBy("c1").size());
        log.append(qos("c1", 1));
        log.append(settle("c1", Settle.Outcome.ACK, log.machine.heldBy("c1").get(0)));
        assertEquals(3, log.machine.heldBy("c1").size(), "a lower one waits for the consumer to settle down to it");
        assertEquals(1, log.machine.checkpoint().getConsumers(0).getPrefetch());
        assertTrue(deliveries(log.append(qos("nobody", 5))).isEmpty(), "an unknown consumer changes nothing");
    }

    private static QueueEntry qos(String consumerId, int prefetch) {
        return QueueEntry.newBuilder().setQos(Qos.newBuilder().setConsumerId(consumerId).setPrefetch(prefetch)).build();
    }

    @Test
    void consumersTakeTurnsInSubscriptionOrder() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.append(subscribe("c2", 0));
        log.append(subscribe("c3", 0));
        for (int i = 0; i < 7; i++) {
            log.publish("m" + i);
        }
        assertEquals(List.of(3L, 6L, 9L), log.machine.heldBy("c1"));
        assertEquals(List.of(4L, 7L), log.machine.heldBy("c2"));
        assertEquals(List.of(5L, 8L), log.machine.heldBy("c3"));
    }

    @Test
    void theRotationCarriesOverBetweenEntries() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.append(subscribe("c2", 0));
        for (int i = 0; i < 4; i++) {
            log.publish("m");
        }
        List<QueueEffect.Deliver> delivered = deliveries(log.append(QueueLog.enqueue("", 0, "x")));
        assertEquals("c1", delivered.get(0).consumerId());
        // What a gone consumer held goes to the one left, in id order.
        log.append(QueueLog.gone("c1", io.wharf.proto.queue.ConsumerGone.Reason.CANCELLED));
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L), log.machine.heldBy("c2"));
    }

    @Test
    void prefetchLimitsWhatAConsumerHolds() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 2));
        for (int i = 0; i < 5; i++) {
            log.publish("m");
        }
        assertEquals(List.of(1L, 2L), log.machine.heldBy("c1"));
        assertEquals(3, log.machine.readyCount());
        List<QueueEffect> effects = log.append(settle("c1", Settle.Outcome.ACK, 1L));
        assertEquals(List.of(new QueueEffect.Deliver("c1", 3, 3, false, 0)), deliveries(effects));
        assertEquals(List.of(2L, 3L), log.machine.heldBy("c1"));
    }

    @Test
    void aRequeuedMessageGoesBackAheadOfNewerOnesAndIsRedelivered() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 1));
        log.publish("a");
        log.publish("b");
        log.nowMs = 9_000;
        List<QueueEffect> effects = log.append(settle("c1", Settle.Outcome.REQUEUE, 1L));
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.REQUEUE),
                new QueueEffect.Deliver("c1", 1, 1, true, 0)), effects);
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(1, log.machine.readyCount());
    }

    @Test
    void noAckConsumersAreStillBoundByTheirPrefetch() {
        QueueLog log = new QueueLog();
        log.append(subscribe(QueueLog.consumer("c1", 1).setNoAck(true)));
        log.publish("a");
        log.publish("b");
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(List.of(new QueueEffect.Deliver("c1", 2, 2, false, 0)),
                deliveries(log.append(settle("c1", Settle.Outcome.ACK, 1L))));
    }

    @Test
    void heldSinceIsTheDeliveringEntrysTimestamp() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.nowMs = 10_000;
        log.append(subscribe("c1", 0));
        log.nowMs = 20_000;
        log.append(subscribe("c2", 0));
        log.publish("b");
        assertEquals(List.of(), log.machine.overdue(40_000, 30_000));
        assertEquals(List.of("c1"), log.machine.overdue(40_001, 30_000));
        assertEquals(List.of("c1", "c2"), log.machine.overdue(50_001, 30_000));
    }
}
