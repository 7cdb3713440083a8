package io.wharf.queue;

import static io.wharf.queue.QueueLog.consumer;
import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SingleActiveConsumerTest {

    private static QueueLog sac() {
        return new QueueLog(QueueSettings.defaults(true));
    }

    @Test
    void theFirstSubscriberIsActiveAndAloneReceives() {
        QueueLog log = sac();
        assertEquals(List.of(new QueueEffect.ConsumerActivated("c1")), log.append(subscribe("c1", 0)));
        assertEquals(List.of(), log.append(subscribe("c2", 0)));
        log.publish("a");
        log.publish("b");
        assertEquals(List.of(2L, 3L), log.machine.heldBy("c1"));
        assertEquals(List.of(), log.machine.heldBy("c2"));
        assertEquals(Optional.of("c1"), log.machine.activeConsumer());
        assertEquals(List.of(true, false), log.machine.consumers().stream().map(ConsumerInfo::active).toList());
    }

    @Test
    void whenTheActiveOneGoesTheHighestPriorityThenEarliestWaitingOneTakesOver() {
        QueueLog log = sac();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.append(subscribe(consumer("c2", 0).setPriority(1)));
        log.append(subscribe(consumer("c3", 0).setPriority(5)));
        log.append(subscribe(consumer("c4", 0).setPriority(5)));
        // c3 outranks c1 but waits until c1 holds nothing; c1 gets nothing new meanwhile.
        log.publish("b");
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(1, log.machine.readyCount());
        List<QueueEffect> effects = log.append(gone("c1", ConsumerGone.Reason.CANCELLED));
        assertEquals(new QueueEffect.ConsumerActivated("c3"), effects.get(0));
        assertEquals(List.of(1L, 5L), deliveries(effects).stream().map(QueueEffect.Deliver::id).toList());
        // c4 has c3's priority: no takeover.
        log.publish("c");
        assertEquals(List.of(1L, 5L, 7L), log.machine.heldBy("c3"));
        effects = log.append(gone("c3", ConsumerGone.Reason.CANCELLED));
        assertEquals(new QueueEffect.ConsumerActivated("c4"), effects.get(0));
        assertEquals(List.of(1L, 5L, 7L), log.machine.heldBy("c4"));
    }

    @Test
    void aHigherPriorityConsumerTakesOverOnceTheActiveOneHoldsNothing() {
        QueueLog log = sac();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.publish("b");
        assertEquals(List.of(), log.append(subscribe(consumer("c2", 0).setPriority(5))));
        log.publish("c");
        assertEquals(List.of(1L, 2L), log.machine.heldBy("c1"));
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.ACK)),
                log.append(settle("c1", Settle.Outcome.ACK, 1L)));
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(2L), Settle.Outcome.ACK),
                        new QueueEffect.ConsumerActivated("c2"), new QueueEffect.Deliver("c2", 4, 4, false, 0)),
                log.append(settle("c1", Settle.Outcome.ACK, 2L)));
        // c1 stays subscribed, waiting.
        log.publish("d");
        assertEquals(List.of(4L, 7L), log.machine.heldBy("c2"));
        assertEquals(List.of(false, true), log.machine.consumers().stream().map(ConsumerInfo::active).toList());
    }

    @Test
    void aHigherPriorityConsumerTakesOverAtOnceFromAnIdleActiveOne() {
        QueueLog log = sac();
        log.append(subscribe("c1", 0));
        assertEquals(List.of(new QueueEffect.ConsumerActivated("c2")),
                log.append(subscribe(consumer("c2", 0).setPriority(1))));
    }
}
