package io.wharf.queue;

import static io.wharf.queue.QueueLog.consumer;
import static io.wharf.queue.QueueLog.enqueue;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.move;
import static io.wharf.queue.QueueLog.purge;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.IdRange;
import io.wharf.proto.queue.MessageState;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class CheckpointTest {

    /** Plain messages 0, 1, 3, 4; message 2 held by c1 since 2000; 5 moved to 6; publisher p saw 1 and 2. */
    private static QueueLog sample() {
        QueueLog log = new QueueLog();
        log.append(enqueue("p", 1, "aa"));
        log.append(enqueue("p", 2, "bbb"));
        log.nowMs = 2_000;
        log.append(subscribe("c1", 1));
        log.append(gone("c1", ConsumerGone.Reason.DISCONNECTED));
        log.append(subscribe("c2", 1));
        return log;
    }

    @Test
    void plainMessagesAreWrittenAsRangesAndTheOthersWhole() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.publish("bb");
        log.append(subscribe("c1", 1));
        log.publish("ccc");
        log.publish("dddd");
        log.append(move(4, "dddd"));
        log.publish("e");
        log.nowMs = 3_000;
        log.append(subscribe("c2", 1));
        Checkpoint checkpoint = log.machine.checkpoint();
        // c1 holds 0 (delivered at 1000); c2 holds 1 (delivered at 3000); 3 plain, 4 moved to 5, 6 plain.
        assertEquals(List.of(IdRange.newBuilder().setFirst(3).setLast(3).build(),
                IdRange.newBuilder().setFirst(6).setLast(6).build()), checkpoint.getPlainList());
        assertEquals(List.of(3, 1), checkpoint.getPlainSizesList());
        assertEquals(List.of(
                MessageState.newBuilder().setId(0).setLocation(0).setSize(1).setAcquiredCount(1).setHolder("c1")
                        .setHeldSinceMs(1_000).setEnqueuedAtMs(1_000).build(),
                MessageState.newBuilder().setId(1).setLocation(1).setSize(2).setAcquiredCount(1).setHolder("c2")
                        .setHeldSinceMs(3_000).setEnqueuedAtMs(1_000).build(),
                MessageState.newBuilder().setId(4).setLocation(5).setSize(4).setEnqueuedAtMs(1_000).build()),
                checkpoint.getMessagesList());
        assertEquals(List.of(1_000L, 1_000L), checkpoint.getPlainEnqueuedAtMsList());
        assertEquals(List.of("c1", "c2"), checkpoint.getConsumersList().stream().map(s -> s.getConsumerId()).toList());
        // Both consumers were served last round: the next turn is after the last of them.
        assertEquals(2, checkpoint.getNextConsumerOrder());
    }

    @Test
    void applyingACheckpointReplacesTheStateWithItsContent() {
        QueueLog original = sample();
        Checkpoint checkpoint = original.machine.checkpoint();
        QueueLog other = new QueueLog();
        for (int i = 0; i < 4; i++) {
            other.publish("unrelated");
        }
        other.append(subscribe("z", 0));
        other.nowMs = 50_000;
        assertEquals(List.of(), other.append(QueueLog.checkpoint(checkpoint)));
        assertEquals(checkpoint, other.machine.checkpoint());
        assertEquals(OptionalLong.of(5), other.machine.lastCheckpointOffset());
        assertEquals(original.machine.consumers(), other.machine.consumers());
        assertEquals(original.machine.readyBytes(), other.machine.readyBytes());
        // The holder and held-since survive, and the publisher windows too.
        assertEquals(List.of("c2"), other.machine.overdue(2_000 + 30_001, 30_000));
        assertEquals(List.of(new QueueEffect.DuplicatePublish("p", 2)), other.append(enqueue("p", 2, "x")));
        // A redelivery after the checkpoint carries the counts it had.
        List<QueueEffect> effects = other.append(gone("c2", ConsumerGone.Reason.TIMEOUT));
        assertEquals(List.of(), effects);
        assertEquals(2, other.machine.readyCount());
    }

    @Test
    void theRotationAndTheActiveConsumerSurviveACheckpoint() {
        QueueLog original = new QueueLog(QueueSettings.defaults(true));
        original.append(subscribe("c1", 0));
        original.publish("a");
        original.append(subscribe(consumer("c2", 0).setPriority(2)));
        original.append(subscribe(consumer("c3", 0).setPriority(1)));
        original.append(settle("c1", Settle.Outcome.ACK, 1L));
        assertEquals("c2", original.machine.activeConsumer().orElseThrow());
        QueueLog restored = new QueueLog(QueueSettings.defaults(true));
        restored.append(QueueLog.checkpoint(original.machine.checkpoint()));
        assertEquals("c2", restored.machine.activeConsumer().orElseThrow());

        QueueLog plain = new QueueLog();
        for (String id : List.of("a", "b", "c")) {
            plain.append(subscribe(id, 0));
        }
        plain.publish("m");
        plain.publish("m");
        plain.append(gone("a", ConsumerGone.Reason.CANCELLED));
        plain.append(subscribe("d", 0));
        Checkpoint checkpoint = plain.machine.checkpoint();
        // b, c, d: d is next.
        assertEquals(2, checkpoint.getNextConsumerOrder());
        plain.checkpoint();
        QueueMachine copy = new QueueMachine(QueueSettings.defaults(false));
        LoggedQueueEntry written = plain.entries.get(plain.entries.size() - 1);
        copy.apply(written.offset(), written.timestampMs(), written.entry());
        for (int i = 0; i < 4; i++) {
            List<QueueEffect> effects = plain.append(QueueLog.enqueue("", 0, "n"));
            written = plain.entries.get(plain.entries.size() - 1);
            assertEquals(effects, copy.apply(written.offset(), written.timestampMs(), written.entry()));
        }
        assertEquals(plain.machine.checkpoint(), copy.checkpoint());
        assertEquals(List.of(3L, 10L), copy.heldBy("c"));
    }

    @Test
    void theLogStartMayPassWhatNoLiveMessageAndNoReplayNeeds() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.publish("b");
        assertEquals(0, log.machine.lowestNeededOffset());
        log.checkpoint();
        assertEquals(0, log.machine.lowestNeededOffset());
        log.append(purge());
        assertEquals(4, log.machine.oldestLocation());
        assertEquals(2, log.machine.lowestNeededOffset());
        log.publish("c");
        log.checkpoint();
        assertEquals(4, log.machine.lowestNeededOffset());
        log.append(move(4, "c"));
        log.checkpoint();
        assertEquals(6, log.machine.lowestNeededOffset());
        assertEquals(OptionalLong.of(6), log.machine.location(4));
        assertTrue(log.machine.moveCandidates(10, 6).isEmpty());
    }
}
