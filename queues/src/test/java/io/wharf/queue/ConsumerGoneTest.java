package io.wharf.queue;

import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.ConsumerGone;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ConsumerGoneTest {

    @ParameterizedTest
    @EnumSource(value = ConsumerGone.Reason.class, names = "UNRECOGNIZED", mode = EnumSource.Mode.EXCLUDE)
    void heldMessagesReturnCountingAFailedDeliveryOnlyForACrash(ConsumerGone.Reason reason) {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.publish("b");
        log.append(gone("c1", reason));
        assertEquals(2, log.machine.readyCount());
        assertEquals(List.of(), log.machine.consumers());
        int expected = switch (reason) {
            case DISCONNECTED, TIMEOUT, CHANNEL_ERROR -> 1;
            default -> 0;
        };
        List<QueueEffect> effects = log.append(subscribe("c2", 0));
        assertEquals(List.of(new QueueEffect.Deliver("c2", 1, 1, true, expected),
                new QueueEffect.Deliver("c2", 2, 2, true, expected)), deliveries(effects));
    }

    @Test
    void anUnknownConsumerIsIgnored() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.publish("a");
        assertEquals(List.of(), log.append(gone("c9", ConsumerGone.Reason.DISCONNECTED)));
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
    }

    @Test
    void theOthersTakeOverWhatItHeld() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.append(subscribe("c2", 1));
        log.publish("a");
        log.publish("b");
        log.publish("c");
        assertEquals(List.of(2L, 4L), log.machine.heldBy("c1"));
        List<QueueEffect> effects = log.append(gone("c1", ConsumerGone.Reason.TIMEOUT));
        assertEquals(List.of(), deliveries(effects));
        assertEquals(2, log.machine.readyCount());
        assertEquals(List.of(3L), log.machine.heldBy("c2"));
    }
}
