package io.wharf.queue;

import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.only;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeliveryLimitTest {

    /**
     * Delivers message 0 to a new consumer which then crashes, {@code failures} times; returns the
     * effects of the last crash.
     */
    private static List<QueueEffect> crashRepeatedly(QueueLog log, int failures) {
        List<QueueEffect> last = List.of();
        for (int failure = 1; failure <= failures; failure++) {
            List<QueueEffect> delivered = log.append(subscribe("c" + failure, 0));
            assertEquals(List.of(new QueueEffect.Deliver("c" + failure, 0, 0, failure > 1, failure - 1)),
                    deliveries(delivered), "delivery " + failure);
            last = log.append(gone("c" + failure, ConsumerGone.Reason.DISCONNECTED));
        }
        return last;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 3})
    void withLimitNTheMessageDiesOnFailureNPlusOneAndNotEarlier(int limit) {
        QueueLog log = new QueueLog(QueueSettings.defaults(false).withDeadLetterTarget(DeadLetteringTest.DLX)
                .withLimits(QueueLimits.DEFAULTS.withDeliveryLimit(OptionalInt.of(limit))));
        log.publish("poison");
        crashRepeatedly(log, limit);
        assertEquals(1, log.machine.readyCount());
        List<QueueEffect> effects = log.append(subscribe("last", 0));
        assertEquals(limit, deliveries(effects).get(0).deliveryCount());
        assertEquals(List.of(new QueueEffect.DeadLetter(0, 0, DeathReason.DELIVERY_LIMIT, 1_000,
                DeadLetteringTest.DLX)), log.append(gone("last", ConsumerGone.Reason.TIMEOUT)));
        assertEquals(0, log.machine.readyCount());
        assertEquals(1, log.machine.deadLetteringCount());
    }

    @Test
    void theDefaultLimitIsTwenty() {
        QueueLog log = new QueueLog();
        log.publish("poison");
        List<QueueEffect> effects = crashRepeatedly(log, 21);
        assertEquals(List.of(new QueueEffect.Discarded(List.of(new DiscardedMessage(0, 0, 21,
                DeathReason.DELIVERY_LIMIT)))), effects);
    }

    @Test
    void minusOneIsUnlimited() {
        QueueLog log = new QueueLog(QueueSettings.fromArguments(Map.of("x-delivery-limit", "-1")));
        log.publish("poison");
        assertEquals(List.of(), crashRepeatedly(log, 50));
        assertEquals(1, log.machine.readyCount());
    }

    @Test
    void requeuesCancelsAndLeaderChangesAreNoFailedDeliveries() {
        QueueLog log = new QueueLog(QueueSettings.defaults(false)
                .withLimits(QueueLimits.DEFAULTS.withDeliveryLimit(OptionalInt.of(0))));
        log.publish("m");
        log.append(subscribe("c1", 0));
        for (int i = 0; i < 5; i++) {
            assertEquals(0, deliveries(log.append(settle("c1", Settle.Outcome.REQUEUE, 0L))).get(0).deliveryCount());
        }
        log.append(gone("c1", ConsumerGone.Reason.CANCELLED));
        log.append(subscribe("c2", 0));
        log.append(gone("c2", ConsumerGone.Reason.LEADER_CHANGED));
        assertEquals(1, log.machine.readyCount());
    }

    @Test
    void aRejectDiesAsRejectedWhateverTheLimit() {
        QueueLog log = new QueueLog(QueueSettings.defaults(false)
                .withLimits(QueueLimits.DEFAULTS.withDeliveryLimit(OptionalInt.of(0))));
        log.publish("m");
        log.append(subscribe("c1", 0));
        assertEquals(List.of(new DiscardedMessage(0, 0, 1, DeathReason.REJECTED)),
                only(QueueEffect.Discarded.class, log.append(settle("c1", Settle.Outcome.REJECT, 0L))).get(0)
                        .messages());
    }
}
