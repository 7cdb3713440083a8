package io.wharf.queue;

import static io.wharf.queue.QueueLog.deadLettered;
import static io.wharf.queue.QueueLog.enqueue;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.Settle;
import java.util.List;
import org.junit.jupiter.api.Test;

class LengthLimitTest {

    private static QueueLog limited(QueueLimits limits, boolean withDlx) {
        QueueSettings settings = QueueSettings.defaults(false).withLimits(limits);
        return new QueueLog(withDlx ? settings.withDeadLetterTarget(DeadLetteringTest.DLX) : settings);
    }

    @Test
    void dropHeadDeadLettersTheOldestReadyMessages() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLength(2), true);
        log.publish("a");
        log.publish("b");
        assertEquals(List.of(new QueueEffect.DeadLetter(0, 0, DeathReason.MAXLEN, 1_000, DeadLetteringTest.DLX)),
                log.append(enqueue("", 0, "c")));
        assertEquals(2, log.machine.readyCount());
        assertEquals(1, log.machine.deadLetteringCount());
    }

    @Test
    void dropHeadByBytesDropsUntilTheBodiesFit() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLengthBytes(5), false);
        log.publish("aa");
        log.publish("bb");
        assertEquals(List.of(new QueueEffect.Discarded(List.of(new DiscardedMessage(0, 0, 0, DeathReason.MAXLEN))),
                        new QueueEffect.Discarded(List.of(new DiscardedMessage(1, 1, 0, DeathReason.MAXLEN)))),
                log.append(enqueue("", 0, "cccc")));
        assertEquals(4, log.machine.readyBytes());
    }

    @Test
    void onlyReadyMessagesCount() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLength(1), false);
        log.append(subscribe("c1", 1));
        log.publish("held");
        assertEquals(List.of(), log.append(enqueue("", 0, "ready")));
        assertEquals(List.of(new QueueEffect.Discarded(List.of(new DiscardedMessage(2, 2, 0, DeathReason.MAXLEN)))),
                log.append(enqueue("", 0, "newer")));
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(1, log.machine.readyCount());
    }

    @Test
    void rejectPublishStoresNothingAndJudgesARetryAgain() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLength(2).withOverflow(Overflow.REJECT_PUBLISH), false);
        log.append(enqueue("p", 1, "a"));
        log.append(enqueue("p", 2, "b"));
        assertEquals(List.of(new QueueEffect.PublishRejected("p", 3)), log.append(enqueue("p", 3, "c")));
        assertEquals(2, log.machine.liveCount());
        // The refused sequence was not recorded: its retry is refused while the queue is full...
        assertEquals(List.of(new QueueEffect.PublishRejected("p", 3)), log.append(enqueue("p", 3, "c")));
        // ...and stored once there is room; a retry after that is a duplicate.
        log.append(subscribe("c1", 1));
        assertEquals(List.of(), log.append(enqueue("p", 3, "c")));
        assertEquals(List.of(new QueueEffect.DuplicatePublish("p", 3)), log.append(enqueue("p", 3, "c")));
        assertEquals(3, log.machine.liveCount());
    }

    @Test
    void rejectPublishByBytes() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLengthBytes(4).withOverflow(Overflow.REJECT_PUBLISH), false);
        assertEquals(List.of(), log.append(enqueue("", 0, "aaa")));
        assertEquals(List.of(new QueueEffect.PublishRejected("", 0)), log.append(enqueue("", 0, "bb")));
        assertEquals(List.of(), log.append(enqueue("", 0, "b")));
        assertEquals(4, log.machine.readyBytes());
    }

    @Test
    void withRejectPublishDeadLettersStillWaitingCount() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLength(1).withOverflow(Overflow.REJECT_PUBLISH), true);
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.append(settle("c1", Settle.Outcome.REJECT, 1L));
        assertEquals(List.of(new QueueEffect.PublishRejected("", 0)), log.append(enqueue("", 0, "b")));
        log.append(deadLettered(1L));
        assertEquals(1, QueueLog.deliveries(log.append(enqueue("", 0, "b"))).size());
    }

    @Test
    void aZeroMaxLengthKeepsNothingReady() {
        QueueLog log = limited(QueueLimits.DEFAULTS.withMaxLength(0), false);
        log.publish("a");
        assertEquals(0, log.machine.liveCount());
    }
}
