package io.wharf.queue;

import static io.wharf.queue.QueueLog.deadLettered;
import static io.wharf.queue.QueueLog.deliveries;
import static io.wharf.queue.QueueLog.gone;
import static io.wharf.queue.QueueLog.move;
import static io.wharf.queue.QueueLog.only;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Settle;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DeadLetteringTest {

    static final DeadLetterTarget DLX = new DeadLetterTarget("dlx", Optional.of("dead"));

    private static final QueueSettings SETTINGS = QueueSettings.defaults(false).withDeadLetterTarget(DLX);

    private static QueueLog withDlx() {
        return new QueueLog(SETTINGS);
    }

    @Test
    void aRejectedMessageWaitsToBeDeadLetteredAndIsNeverDeliveredAgain() {
        QueueLog log = withDlx();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.nowMs = 5_000;
        QueueEffect.DeadLetter letter = new QueueEffect.DeadLetter(1, 1, DeathReason.REJECTED, 5_000, DLX);
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.REJECT), letter),
                log.append(settle("c1", Settle.Outcome.REJECT, 1L)));
        assertEquals(1, log.machine.liveCount());
        assertEquals(0, log.machine.readyCount());
        assertEquals(0, log.machine.unackedCount());
        assertEquals(1, log.machine.deadLetteringCount());
        assertEquals(Optional.empty(), log.machine.holder(1));
        assertEquals(List.of(letter), log.machine.pendingDeadLetters());
        assertEquals(List.of(), deliveries(log.append(subscribe("c2", 0))));
        // Its body must stay in the log until it is dead-lettered.
        assertEquals(1, log.machine.oldestLocation());

        assertEquals(List.of(), log.append(deadLettered(1L)));
        assertEquals(0, log.machine.liveCount());
        assertEquals(OptionalLong.empty(), log.machine.location(1));
        assertEquals(List.of(), log.machine.pendingDeadLetters());
    }

    @Test
    void deadLetteredRemovesOnlyDyingMessages() {
        QueueLog log = withDlx();
        log.append(subscribe("c1", 1));
        log.publish("held");
        log.publish("ready");
        log.append(deadLettered(1L, 2L, 99L));
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(1, log.machine.readyCount());
        assertEquals(2, log.machine.liveCount());
    }

    @Test
    void withoutADeadLetterExchangeADeadMessageIsDropped() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 0));
        log.publish("a");
        assertEquals(List.of(new QueueEffect.Discarded(List.of(new DiscardedMessage(1, 1, 1, DeathReason.REJECTED)))),
                only(QueueEffect.Discarded.class, log.append(settle("c1", Settle.Outcome.REJECT, 1L))));
        assertEquals(0, log.machine.liveCount());
        assertEquals(List.of(), log.machine.pendingDeadLetters());
    }

    @Test
    void dyingMessagesSurviveACheckpointAndAMove() {
        QueueLog log = withDlx();
        log.append(subscribe("c1", 0));
        log.publish("a");
        log.publish("b");
        log.publish("c");
        log.append(settle("c1", Settle.Outcome.REJECT, 2L, 3L));
        log.append(move(2, "a"));
        List<QueueEffect.DeadLetter> pending = log.machine.pendingDeadLetters();
        assertEquals(List.of(new QueueEffect.DeadLetter(2, 5, DeathReason.REJECTED, 1_000, DLX),
                new QueueEffect.DeadLetter(3, 3, DeathReason.REJECTED, 1_000, DLX)), pending);
        log.checkpoint();

        QueueLog restored = withDlx();
        restored.append(QueueLog.checkpoint(log.machine.checkpoint()));
        assertEquals(pending, restored.machine.pendingDeadLetters());
        assertEquals(log.machine.checkpoint(), restored.machine.checkpoint());
        assertEquals(List.of(1L), restored.machine.heldBy("c1"));
        restored.append(deadLettered(3L));
        assertEquals(List.of(pending.get(0)), restored.machine.pendingDeadLetters());
    }

    @Test
    void aNewLeaderFindsTheDeadLettersStillPending() {
        QueueLog log = withDlx();
        log.append(subscribe("c1", 0));
        List<QueueEffect.DeadLetter> published = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            log.publish("m" + i);
        }
        published.addAll(only(QueueEffect.DeadLetter.class, log.append(settle("c1", Settle.Outcome.REJECT, 2L, 3L))));
        log.checkpoint();
        published.addAll(only(QueueEffect.DeadLetter.class, log.append(settle("c1", Settle.Outcome.REJECT, 4L))));
        // The old leader had 2 committed to the dead-letter queues, then died.
        log.append(deadLettered(2L));

        // The new leader replays from the checkpoint (its log start moved there) and drops the old consumers.
        QueueReplay replay = new QueueReplay(new QueueMachine(SETTINGS), 6);
        for (LoggedQueueEntry e : log.entries.subList(6, log.entries.size())) {
            replay.apply(e.offset(), e.timestampMs(), e.entry());
        }
        long offset = log.entries.size();
        replay.apply(offset, log.nowMs, gone("c1", ConsumerGone.Reason.LEADER_CHANGED));
        assertEquals(published.subList(1, 3), replay.machine().pendingDeadLetters());
        // What c1 held is ready again, not dead: a leader change is no failed delivery.
        assertEquals(1, replay.machine().readyCount());
        assertEquals(2, replay.machine().deadLetteringCount());
    }
}
