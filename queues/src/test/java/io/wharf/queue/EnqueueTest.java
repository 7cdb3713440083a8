package io.wharf.queue;

import static io.wharf.queue.QueueLog.enqueue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.IdRange;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.PublisherWindow;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EnqueueTest {

    @Test
    void aMessageIsReadyWithTheEnqueueOffsetAsIdAndItsBodySize() {
        QueueLog log = new QueueLog();
        log.publish("abc");
        log.publish("hello");
        assertEquals(2, log.machine.readyCount());
        assertEquals(8, log.machine.readyBytes());
        assertEquals(0, log.machine.unackedCount());
        assertEquals(OptionalLong.of(1), log.machine.location(1));
        assertEquals(OptionalLong.empty(), log.machine.location(2));
        assertEquals(2, log.machine.nextOffset());
    }

    @Test
    void aRetriedSequenceOfTheSamePublisherIsADuplicate() {
        QueueLog log = new QueueLog();
        assertEquals(List.of(), log.append(enqueue("p", 7, "a")));
        assertEquals(List.of(new QueueEffect.DuplicatePublish("p", 7)), log.append(enqueue("p", 7, "a")));
        assertEquals(List.of(), log.append(enqueue("q", 7, "a")));
        assertEquals(2, log.machine.readyCount());
        assertEquals(OptionalLong.empty(), log.machine.location(1));
    }

    @Test
    void withoutPublisherIdNothingIsDeduplicated() {
        QueueLog log = new QueueLog();
        log.append(enqueue("", 1, "a"));
        log.append(enqueue("", 1, "a"));
        assertEquals(2, log.machine.readyCount());
    }

    @Test
    void theWindowKeepsTheLastSequencesOnly() {
        QueueLog log = new QueueLog(new QueueSettings(false, 3, 10));
        for (long sequence = 1; sequence <= 4; sequence++) {
            log.append(enqueue("p", sequence, "x"));
        }
        // 1 fell out of the window of 3: accepted again; 2..4 are still remembered.
        assertEquals(List.of(), log.append(enqueue("p", 1, "x")));
        assertEquals(List.of(new QueueEffect.DuplicatePublish("p", 4)), log.append(enqueue("p", 4, "x")));
        assertEquals(5, log.machine.readyCount());
    }

    @Test
    void theLeastRecentlySeenPublisherIsForgottenFirst() {
        QueueLog log = new QueueLog(new QueueSettings(false, 10, 2));
        log.append(enqueue("a", 1, "x"));
        log.append(enqueue("b", 1, "x"));
        // A duplicate still counts as seen: a becomes the most recent, so c evicts b.
        assertTrue(log.append(enqueue("a", 1, "x")).contains(new QueueEffect.DuplicatePublish("a", 1)));
        log.append(enqueue("c", 1, "x"));
        assertEquals(List.of(new QueueEffect.DuplicatePublish("a", 1)), log.append(enqueue("a", 1, "x")));
        assertEquals(List.of(), log.append(enqueue("b", 1, "x")));
    }

    @Test
    void aCheckpointWritesAWindowWithGapsAsRunsInItsOrderAndRestoresIt() {
        QueueLog log = new QueueLog(new QueueSettings(false, 20, 10));
        for (long sequence : new long[] {1, 2, 3, 7, 8, 5, 10}) {
            log.append(enqueue("p", sequence, "x"));
        }
        Checkpoint checkpoint = log.machine.checkpoint();
        assertEquals(List.of(range(1, 3), range(7, 8), range(5, 5), range(10, 10)),
                checkpoint.getPublishers(0).getRunsList());
        QueueLog restored = new QueueLog(new QueueSettings(false, 20, 10));
        restored.append(QueueEntry.newBuilder().setCheckpoint(checkpoint).build());
        for (long sequence : new long[] {1, 2, 3, 5, 7, 8, 10}) {
            assertEquals(List.of(new QueueEffect.DuplicatePublish("p", sequence)),
                    restored.append(enqueue("p", sequence, "x")), "sequence " + sequence);
        }
        assertEquals(checkpoint.getPublishersList(), restored.machine.checkpoint().getPublishersList(),
                "restored in the same order, so eviction stays the same");
    }

    private static IdRange range(long first, long last) {
        return IdRange.newBuilder().setFirst(first).setLast(last).build();
    }

    @Test
    void aWindowGrowsToItsSizeAndACheckpointKeepsItOldestFirst() {
        QueueLog log = new QueueLog(new QueueSettings(false, 20, 10));
        for (long sequence = 1; sequence <= 25; sequence++) {
            log.append(enqueue("p", sequence, "x"));
        }
        log.append(enqueue("q", 9, "x"));
        Checkpoint checkpoint = log.machine.checkpoint();
        assertEquals(List.of("p", "q"), checkpoint.getPublishersList().stream()
                .map(PublisherWindow::getPublisherId).toList());
        assertEquals(List.of(IdRange.newBuilder().setFirst(6).setLast(25).build()), checkpoint.getPublishers(0).getRunsList(),
                "twenty consecutive sequences are one run");
        for (long sequence = 6; sequence <= 25; sequence++) {
            assertEquals(List.of(new QueueEffect.DuplicatePublish("p", sequence)),
                    log.append(enqueue("p", sequence, "x")));
        }
        assertEquals(List.of(), log.append(enqueue("p", 5, "x")));
        // p was seen last now.
        assertEquals(List.of("q", "p"), log.machine.checkpoint().getPublishersList().stream()
                .map(PublisherWindow::getPublisherId).toList());
    }
}
