package io.wharf.queue;

import static io.wharf.queue.QueueLog.settle;
import static io.wharf.queue.QueueLog.subscribe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Settle;
import java.util.List;
import org.junit.jupiter.api.Test;

class QueueReplayTest {

    private static QueueLog history() {
        QueueLog log = new QueueLog();
        log.append(subscribe("c1", 2));
        for (int i = 0; i < 4; i++) {
            log.publish("m" + i);
        }
        log.append(settle("c1", Settle.Outcome.ACK, 1L));
        log.checkpoint();
        log.append(settle("c1", Settle.Outcome.REJECT, 2L));
        log.publish("late");
        return log;
    }

    @Test
    void fromOffsetZeroEveryEntryApplies() {
        QueueLog log = history();
        QueueReplay replay = new QueueReplay(new QueueMachine(QueueSettings.defaults(false)), 0);
        assertTrue(replay.started());
        for (int i = 0; i < log.entries.size(); i++) {
            LoggedQueueEntry e = log.entries.get(i);
            assertEquals(log.effects.get(i), replay.apply(e.offset(), e.timestampMs(), e.entry()));
        }
        assertEquals(log.machine.checkpoint(), replay.machine().checkpoint());
    }

    @Test
    void fromALaterStartEntriesBeforeTheFirstCheckpointAreSkipped() {
        QueueLog log = history();
        int checkpointAt = 6;
        assertTrue(log.entries.get(checkpointAt).entry().hasCheckpoint());
        QueueLog full = new QueueLog();
        QueueReplay replay = new QueueReplay(new QueueMachine(QueueSettings.defaults(false)), 3);
        for (LoggedQueueEntry e : log.entries.subList(3, log.entries.size())) {
            List<QueueEffect> replayed = replay.apply(e.offset(), e.timestampMs(), e.entry());
            if (e.offset() < checkpointAt) {
                assertEquals(List.of(), replayed);
                assertFalse(replay.started());
            }
        }
        for (LoggedQueueEntry e : log.entries) {
            full.machine.apply(e.offset(), e.timestampMs(), e.entry());
        }
        assertTrue(replay.started());
        assertEquals(full.machine.checkpoint(), replay.machine().checkpoint());
        assertEquals(List.of(3L, 4L), replay.machine().heldBy("c1"));
        assertEquals(3, replay.machine().lowestNeededOffset());
    }
}
