package io.wharf.queue;

import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.expire;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.move;
import static io.wharf.queue.QueueLog.only;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ExpiryTest {

    private static QueueLog withTtl(long ttlMs) {
        return new QueueLog(QueueSettings.defaults(false).withLimits(QueueLimits.DEFAULTS.withMessageTtlMs(ttlMs)));
    }

    private static List<Long> expired(List<QueueEffect> effects) {
        return only(QueueEffect.Discarded.class, effects).stream().flatMap(d -> d.messages().stream())
                .filter(m -> m.reason() == DeathReason.EXPIRED).map(DiscardedMessage::id).toList();
    }

    @Test
    void aMessageExpiresAtItsEnqueueTimestampPlusTheQueueTtl() {
        QueueLog log = withTtl(1_000);
        log.publish("a");
        assertEquals(OptionalLong.of(2_000), log.machine.nextExpiryMs());
        log.nowMs = 1_999;
        assertEquals(List.of(), log.append(expire()));
        assertEquals(1, log.machine.readyCount());
        log.nowMs = 2_000;
        assertEquals(List.of(new QueueEffect.Discarded(List.of(new DiscardedMessage(0, 0, 0, DeathReason.EXPIRED)))),
                log.append(expire()));
        assertEquals(0, log.machine.liveCount());
        assertEquals(OptionalLong.empty(), log.machine.nextExpiryMs());
    }

    @Test
    void anExpiredMessageIsNeverDelivered() {
        QueueLog log = withTtl(1_000);
        log.publish("a");
        log.nowMs = 2_000;
        // No Expire was written in time: the subscribe's own timestamp expires it before delivering.
        List<QueueEffect> effects = log.append(subscribe("c1", 0));
        assertEquals(List.of(), deliveries(effects));
        assertEquals(List.of(0L), expired(effects));
    }

    @Test
    void thePerMessageExpirationWinsWhenLower() {
        QueueLog log = withTtl(10_000);
        log.publish("short", "500");
        assertEquals(OptionalLong.of(1_500), log.machine.nextExpiryMs());
        log.nowMs = 1_500;
        assertEquals(List.of(0L), expired(log.append(expire())));

        log.publish("long", "20000");
        assertEquals(OptionalLong.of(11_500), log.machine.nextExpiryMs());
    }

    @Test
    void aPerMessageExpirationAloneIsATtl() {
        QueueLog log = new QueueLog();
        log.publish("a", "100");
        log.publish("b", "no number");
        log.publish("c", "-5");
        assertEquals(OptionalLong.of(1_100), log.machine.nextExpiryMs());
        log.nowMs = 5_000;
        assertEquals(List.of(0L), expired(log.append(expire())));
        // Unparsable expirations are no TTL at all.
        assertEquals(2, log.machine.readyCount());
        assertEquals(OptionalLong.empty(), log.machine.nextExpiryMs());
    }

    @Test
    void onlyTheHeadExpiresAsInQuorumQueues() {
        QueueLog log = new QueueLog();
        log.publish("a", "10000");
        log.publish("b", "100");
        log.nowMs = 2_000;
        assertEquals(List.of(), log.append(expire()));
        assertEquals(OptionalLong.of(11_000), log.machine.nextExpiryMs());
        // Once a is gone, b is at the head and expired: delivered a, then b expires on the same entry.
        List<QueueEffect> effects = log.append(subscribe("c1", 0));
        assertEquals(List.of(0L), deliveries(effects).stream().map(QueueEffect.Deliver::id).toList());
        assertEquals(List.of(1L), expired(effects));
    }

    @Test
    void messagesExpireWhileOthersAreDelivered() {
        QueueLog log = withTtl(1_000);
        log.append(subscribe("c1", 1));
        log.publish("a");
        log.publish("b");
        log.nowMs = 1_500;
        log.publish("c");
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        log.nowMs = 2_200;
        // a is acked after b expired but before c did: b dies, c is delivered.
        List<QueueEffect> effects = log.append(settle("c1", Settle.Outcome.ACK, 1L));
        assertEquals(List.of(2L), expired(effects));
        assertEquals(List.of(3L), deliveries(effects).stream().map(QueueEffect.Deliver::id).toList());
    }

    @Test
    void aHeldMessageDoesNotExpireUntilItIsReadyAgain() {
        QueueLog log = withTtl(1_000);
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.nowMs = 10_000;
        assertEquals(List.of(), log.append(expire()));
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        log.append(subscribe("c2", 0));
        List<QueueEffect> effects = log.append(gone("c1", ConsumerGone.Reason.CANCELLED));
        assertEquals(List.of(), deliveries(effects));
        assertEquals(List.of(1L), expired(effects));
    }

    @Test
    void aZeroTtlExpiresAMessageOnItsOwnEnqueueAndDeadLettersIt() {
        // rabbit_fifo expires a message once the command timestamp reaches its expiry, before delivering.
        QueueLog log = new QueueLog(QueueSettings.defaults(false).withDeadLetterTarget(DeadLetteringTest.DLX)
                .withLimits(QueueLimits.DEFAULTS.withMessageTtlMs(0)));
        log.append(subscribe("c1", 0));
        List<QueueEffect> effects = log.append(QueueLog.enqueue("", 0, "a"));
        assertEquals(List.of(new QueueEffect.DeadLetter(1, 1, DeathReason.EXPIRED, 1_000, DeadLetteringTest.DLX)),
                effects);
        assertEquals(1, log.machine.deadLetteringCount());
        assertEquals(OptionalLong.empty(), log.machine.nextExpiryMs());
    }

    @Test
    void expiriesSurviveACheckpoint() {
        QueueLog log = withTtl(1_000);
        log.publish("plain");
        log.nowMs = 1_200;
        log.publish("moved");
        log.append(move(1, "moved"));
        Checkpoint checkpoint = log.machine.checkpoint();
        assertEquals(List.of(2_000L), checkpoint.getPlainExpiriesList());
        assertEquals(2_200, checkpoint.getMessages(0).getExpiresAtMs());
        QueueLog restored = withTtl(1_000);
        restored.append(QueueLog.checkpoint(checkpoint));
        assertEquals(OptionalLong.of(2_000), restored.machine.nextExpiryMs());
        restored.nowMs = 2_200;
        assertEquals(List.of(0L, 1L), expired(restored.append(expire())));
    }

    @Test
    void queuesWithoutTtlWriteNoExpiries() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.publish("b");
        assertTrue(log.machine.checkpoint().getPlainExpiriesList().isEmpty());
    }
}
