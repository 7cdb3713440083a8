package io.wharf.queue;

import static io.wharf.queue.QueueLog.checkpoint;
import static io.wharf.queue.QueueLog.move;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.wharf.proto.queue.Death;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a queue holds by why its messages died, and how old its oldest message is: the figures a
 * dead-letter queue's metrics show, kept by the replicated state so that a new leader has them.
 */
class DeadLetterContentTest {

    private static QueueEntry enqueue(Message.Builder message) {
        return QueueEntry.newBuilder().setEnqueue(Enqueue.newBuilder()
                .setMessage(message.setRoutingKey("rk").setBody(ByteString.copyFromUtf8("body")))).build();
    }

    /** As the broker dead-letters: x-death, the most recent first, and the x-last-death-* headers. */
    private static Message.Builder brokerDeadLetter(String lastReason, String firstReason) {
        return Message.newBuilder()
                .addXDeath(Death.newBuilder().setQueue("jobs").setReason(lastReason).setCount(1))
                .addXDeath(Death.newBuilder().setQueue("jobs").setReason(firstReason).setCount(1))
                .putHeaders("x-first-death-reason", firstReason).putHeaders("x-last-death-reason", lastReason);
    }

    @Test
    void deadLettersAreCountedByWhyTheyDiedLast() {
        QueueLog log = new QueueLog();
        log.publish("not a dead letter");
        log.append(enqueue(brokerDeadLetter("delivery_limit", "expired")));
        log.append(enqueue(brokerDeadLetter("rejected", "rejected")));
        // Without the x-last-death headers the first x-death entry is the latest death.
        log.append(enqueue(Message.newBuilder().addXDeath(Death.newBuilder().setQueue("a").setReason("expired"))
                .addXDeath(Death.newBuilder().setQueue("b").setReason("maxlen"))));
        // The SDK's ordered mode publishes dead letters itself, with error.cause.
        log.append(enqueue(Message.newBuilder().putHeaders("error.cause", "blocked_by_previous_failure")));

        assertEquals(Map.of("delivery_limit", 1, "rejected", 1, "expired", 1, "blocked_by_previous_failure", 1),
                log.machine.deadLettersByReason());
    }

    @Test
    void aSettledDeadLetterLeavesTheCountsAndAHeldOrMovedOneStays() {
        QueueLog log = new QueueLog();
        log.append(enqueue(brokerDeadLetter("rejected", "rejected")));
        log.append(enqueue(brokerDeadLetter("rejected", "rejected")));
        log.append(subscribe("c1", 1));  // holds message 0
        log.append(move(1, "body"));
        assertEquals(Map.of("rejected", 2), log.machine.deadLettersByReason());

        log.append(settle("c1", Settle.Outcome.ACK, 0L));  // c1 then gets message 1
        assertEquals(Map.of("rejected", 1), log.machine.deadLettersByReason());
        log.append(settle("c1", Settle.Outcome.ACK, 1L));
        assertEquals(Map.of(), log.machine.deadLettersByReason());
    }

    @Test
    void theOldestMessageIsTheFirstStoredStillLive() {
        QueueLog log = new QueueLog();
        assertEquals(0, log.machine.oldestEnqueuedAtMs(), "empty");
        log.nowMs = 5_000;
        log.publish("first");
        log.nowMs = 7_000;
        log.publish("second");
        log.nowMs = 9_000;
        log.append(subscribe("c1", 1));  // holds the first: held messages count too
        assertEquals(5_000, log.machine.oldestEnqueuedAtMs());
        log.append(move(1, "second"));  // a move re-appends the body, not the message's age
        log.append(settle("c1", Settle.Outcome.ACK, 0L));
        assertEquals(7_000, log.machine.oldestEnqueuedAtMs());
        log.append(settle("c1", Settle.Outcome.ACK, 1L));
        assertEquals(0, log.machine.oldestEnqueuedAtMs());
    }

    @Test
    void aCheckpointKeepsBothForTheNextLeader() {
        QueueLog log = new QueueLog();
        log.nowMs = 4_000;
        log.publish("plain");
        log.nowMs = 6_000;
        log.append(enqueue(brokerDeadLetter("expired", "expired")));

        QueueLog restored = new QueueLog();
        restored.nowMs = 50_000;
        restored.append(checkpoint(log.machine.checkpoint()));
        assertEquals(Map.of("expired", 1), restored.machine.deadLettersByReason());
        assertEquals(4_000, restored.machine.oldestEnqueuedAtMs());
        restored.append(subscribe("c1", 1));
        restored.append(settle("c1", Settle.Outcome.ACK, 0L));
        assertEquals(6_000, restored.machine.oldestEnqueuedAtMs(), "the dead letter's time came through the checkpoint");
    }
}
