package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.PartitionChangeRecord;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MetadataFollowerTest {

    private static final int BROKER = 1;

    private final List<MetadataImage[]> changes = new CopyOnWriteArrayList<>();
    private final List<Throwable> fatalErrors = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private FakeQuorum quorum;
    private ControllerChannels channels;
    private MetadataFollower follower;

    @AfterEach
    void tearDown() {
        if (follower != null) {
            follower.close();
        }
        scheduler.shutdownNow();
        if (channels != null) {
            channels.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    @Test
    void loadsTheSnapshotThenAppliesEachBatchInOrder() throws Exception {
        quorum = FakeQuorum.start(1);
        quorum.addActiveBroker(1);
        quorum.addActiveBroker(2);
        quorum.createTopic("orders", 2, 2);
        MetadataImage atStart = quorum.image();
        startFollower();
        awaitCaughtUp();
        assertEquals(atStart, follower.image());
        assertEquals(1, changes.size(), "one change: the snapshot");

        quorum.createTopic("audit", 1, 1);
        quorum.addActiveBroker(3);
        awaitCaughtUp();
        assertEquals(quorum.image(), follower.image());
        assertEquals(4, changes.size(), "snapshot, topic, register, unfence");
        assertChained();
        assertTrue(fatalErrors.isEmpty());
    }

    @Test
    void skipsEverythingAtOrBelowItsOffset() throws Exception {
        quorum = FakeQuorum.start(1);
        quorum.addActiveBroker(1);
        quorum.createTopic("orders", 3, 1);
        quorum.controller(1).replayWholeLog = true;
        startFollower();
        awaitCaughtUp();
        quorum.createTopic("audit", 1, 1);
        awaitCaughtUp();

        assertEquals(quorum.image(), follower.image());
        assertEquals(2, changes.size(), "the snapshot and the one new batch; replayed batches are skipped");
        assertTrue(fatalErrors.isEmpty(), () -> "fatal: " + fatalErrors);
    }

    @Test
    void resumesFromItsOffsetOnAnotherControllerWhenTheStreamBreaks() throws Exception {
        quorum = FakeQuorum.start(3);
        quorum.addActiveBroker(1);
        startFollower();
        awaitCaughtUp();
        long offset = follower.image().offset();
        quorum.createTopic("orders", 1, 1);
        awaitCaughtUp();
        long resumeFrom = follower.image().offset();
        assertTrue(resumeFrom > offset);

        quorum.controller(1).breakStreams();
        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.controller(2).watcherCount() == 1);
        assertEquals(List.of(new FakeController.Call("WatchMetadata", -1, resumeFrom)),
                quorum.controller(2).calls("WatchMetadata"));

        quorum.createTopic("audit", 1, 1);
        awaitCaughtUp();
        assertEquals(quorum.image(), follower.image());
        assertChained();
    }

    @Test
    void aStreamThatStallsWhileTheLeaderMovesOnIsReplacedAfterTheMaximumLag() throws Exception {
        quorum = FakeQuorum.start(2);
        quorum.addActiveBroker(1);
        startFollower();
        awaitCaughtUp();
        FakeController serving = quorum.controller(1).watcherCount() == 1 ? quorum.controller(1) : quorum.controller(2);
        serving.stalled = true;
        quorum.createTopic("orders", 1, 1);
        long leaderOffset = quorum.image().offset();

        // heartbeat answers report the leader's offset; within the maximum lag nothing changes
        follower.onLeaderOffset(leaderOffset, 10_000);
        follower.onLeaderOffset(leaderOffset, 12_999);
        assertTrue(follower.image().offset() < leaderOffset);
        assertEquals(1, serving.watcherCount());

        follower.onLeaderOffset(leaderOffset, 13_000);
        awaitCaughtUp();
        assertEquals(quorum.image(), follower.image());
        FakeController other = serving == quorum.controller(1) ? quorum.controller(2) : quorum.controller(1);
        assertEquals(1, other.calls("WatchMetadata").size());
        await().atMost(Duration.ofSeconds(10)).until(() -> serving.watcherCount() == 0);
        assertChained();
    }

    @Test
    void resumesWhenItsControllerDies() throws Exception {
        quorum = FakeQuorum.start(2);
        quorum.addActiveBroker(1);
        startFollower();
        awaitCaughtUp();

        quorum.controller(1).stop();
        quorum.createTopic("orders", 2, 1);
        awaitCaughtUp();
        assertEquals(quorum.image(), follower.image());
        assertEquals(1, quorum.controller(2).calls("WatchMetadata").size());
    }

    @Test
    void aBatchThatDoesNotApplyStopsFollowingAndIsReportedAsFatal() throws Exception {
        quorum = FakeQuorum.start(1);
        quorum.addActiveBroker(1);
        startFollower();
        awaitCaughtUp();
        MetadataImage before = follower.image();

        quorum.controller(1).publish(MetadataRecordBatch.newBuilder().setOffset(before.offset() + 100)
                .addRecords(MetadataRecord.newBuilder().setPartitionChange(PartitionChangeRecord.newBuilder()
                        .setTopic("no-such-topic").setPartition(0).setLeader(1).addIsr(1).setPartitionEpoch(1)))
                .build());
        await().atMost(Duration.ofSeconds(10)).until(() -> !fatalErrors.isEmpty());
        assertSame(before, follower.image());

        await().atMost(Duration.ofSeconds(10)).until(() -> quorum.controller(1).watcherCount() == 0);
        quorum.createTopic("orders", 1, 1);
        assertSame(before, follower.image());
        assertEquals(1, quorum.controller(1).calls("WatchMetadata").size(), "it does not resubscribe");
        assertEquals(1, fatalErrors.size());
    }

    private void startFollower() {
        channels = new ControllerChannels(HostPort.parseList(quorum.bootstrap()), ControllerChannels.nettyChannels(),
                Duration.ofSeconds(1));
        follower = new MetadataFollower(BROKER, channels, scheduler, Duration.ofMillis(20), Duration.ofMillis(3000),
                fatalErrors::add);
        follower.addListener((previous, current) -> changes.add(new MetadataImage[] {previous, current}));
        follower.start();
    }

    private void awaitCaughtUp() {
        await().atMost(Duration.ofSeconds(10)).until(() -> follower.image().offset() == quorum.image().offset());
    }

    /** Each change starts from the image the previous one ended with. */
    private void assertChained() {
        MetadataImage expectedPrevious = MetadataImage.empty();
        for (MetadataImage[] change : changes) {
            assertSame(expectedPrevious, change[0]);
            assertTrue(change[1].offset() > change[0].offset());
            expectedPrevious = change[1];
        }
        assertSame(follower.image(), expectedPrevious);
    }
}
