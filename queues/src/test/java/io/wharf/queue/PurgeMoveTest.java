package io.wharf.queue;

import static io.wharf.queue.QueueLog.move;
import static io.wharf.queue.QueueLog.purge;
import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class PurgeMoveTest {

    @Test
    void purgeDropsTheReadyMessagesAndKeepsTheHeldOnes() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 1));
        log.publish("a");
        log.publish("b");
        log.publish("c");
        assertEquals(List.of(new QueueEffect.Purged(2)), log.append(purge()));
        assertEquals(0, log.machine.readyCount());
        assertEquals(0, log.machine.readyBytes());
        assertEquals(List.of(1L), log.machine.heldBy("c1"));
        assertEquals(List.of(new QueueEffect.Purged(0)), log.append(purge()));
    }

    @Test
    void aMovedMessageKeepsItsIdCountsAndHolder() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 1));
        log.publish("a");
        log.publish("b");
        log.nowMs = 7_000;
        log.append(move(1, "a"));
        log.append(move(2, "b"));
        assertEquals(OptionalLong.of(3), log.machine.location(1));
        assertEquals(OptionalLong.of(4), log.machine.location(2));
        assertEquals(Optional.of("c1"), log.machine.holder(1));
        assertEquals(List.of(), log.machine.overdue(1_000 + 100, 100 + 1));
        // Delivered from its new location, with the id it always had.
        assertEquals(List.of(new QueueEffect.Settled("c1", List.of(1L), Settle.Outcome.REQUEUE),
                        new QueueEffect.Deliver("c1", 1, 3, true, 0)),
                log.append(settle("c1", Settle.Outcome.REQUEUE, 1L)));
    }

    @Test
    void aMoveOfAMessageThatIsGoneIsIgnored() {
        QueueLog log = new QueueLog();
        log.publish("a");
        log.append(purge());
        assertEquals(List.of(), log.append(move(0, "a")));
        assertEquals(List.of(), log.append(move(42, "a")));
        assertEquals(0, log.machine.liveCount());
    }

    @Test
    void moveCandidatesAreTheMessagesLocatedBelowAnOffsetOldestFirst() {
        QueueLog log = new QueueLog();
        for (int i = 0; i < 5; i++) {
            log.publish("m");
        }
        log.append(move(1, "m"));
        log.append(move(0, "m"));
        assertEquals(List.of(2L, 3L, 4L, 1L), log.machine.moveCandidates(10, 6));
        assertEquals(List.of(2L, 3L), log.machine.moveCandidates(2, 6));
        assertEquals(List.of(2L), log.machine.moveCandidates(10, 3));
        assertEquals(2, log.machine.oldestLocation());
    }
}
