package io.wharf.queue;

import static io.wharf.queue.QueueLog.consumer;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import java.util.List;
import org.junit.jupiter.api.Test;

class SubscribeTest {

    @Test
    void aConsumerIsListedWithItsSettingsAndHeldCount() {
        QueueLog log = new QueueLog();
        log.append(subscribe(consumer("c1", 5).setNoAck(true).setPriority(3)));
        log.publish("a");
        assertEquals(List.of(new ConsumerInfo("c1", "tag-c1", 5, true, false, 3, 1, true)), log.machine.consumers());
    }

    @Test
    void anExclusiveConsumerLocksOthersOut() {
        QueueLog log = new QueueLog();
        log.append(subscribe(consumer("x", 0).setExclusive(true)));
        assertEquals(ErrorCode.RESOURCE_LOCKED,
                log.machine.canSubscribe(consumer("c1", 0).build()).orElseThrow().code());
        assertEquals(ErrorCode.RESOURCE_LOCKED,
                log.machine.canSubscribe(consumer("c2", 0).setExclusive(true).build()).orElseThrow().code());
        log.append(gone("x", ConsumerGone.Reason.CANCELLED));
        assertTrue(log.machine.canSubscribe(consumer("c1", 0).build()).isEmpty());
    }

    @Test
    void exclusiveIsRefusedWhileOthersConsume() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        assertEquals(ErrorCode.RESOURCE_LOCKED,
                log.machine.canSubscribe(consumer("x", 0).setExclusive(true).build()).orElseThrow().code());
        assertTrue(log.machine.canSubscribe(consumer("c2", 0).build()).isEmpty());
        assertEquals(ErrorCode.INVALID_REQUEST, log.machine.canSubscribe(consumer("c1", 0).build()).orElseThrow().code());
    }

    @Test
    void aSubscribeThatConflictsWhenAppliedIsRefusedNotApplied() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.publish("a");
        List<QueueEffect> effects = log.append(subscribe(consumer("x", 0).setExclusive(true)));
        assertEquals(1, effects.size());
        QueueEffect.SubscribeRefused refused = (QueueEffect.SubscribeRefused) effects.get(0);
        assertEquals("x", refused.consumerId());
        assertEquals(ErrorCode.RESOURCE_LOCKED, refused.refusal().code());
        assertEquals(List.of("c1"), log.machine.consumers().stream().map(ConsumerInfo::consumerId).toList());
        // The same id twice: the second is refused and the first keeps what it holds.
        effects = log.append(subscribe("c1", 7));
        assertEquals(ErrorCode.INVALID_REQUEST, ((QueueEffect.SubscribeRefused) effects.get(0)).refusal().code());
        assertEquals(0, log.machine.consumers().get(0).prefetch());
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
    }
}
