package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import io.wharf.replication.replica.ReplicationException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One hosted replica changing roles: acks=all outcomes, stale fetch answers, ISR proposals. */
class PartitionTest {

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_000_000);
    private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1);
    private Partition partition;

    @AfterEach
    void close() {
        if (partition != null) {
            partition.close();
        }
        timer.shutdownNow();
    }

    private Partition open() {
        timer.setRemoveOnCancelPolicy(true);
        Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), clock);
        partition = new Partition(new TopicPartition("t", 0), "id", log,
                new ReplicaContext(1, clock, 5000, timer, flushed -> { }));
        return partition;
    }

    private static ByteBuffer batch(String value) {
        return new RecordBatchBuilder(CompressionType.NONE)
                .append(System.currentTimeMillis(), null, value.getBytes(StandardCharsets.UTF_8)).build();
    }

    private static PartitionState state(int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch) {
        return new PartitionState(0, List.of(1, 2), isr, leader, leaderEpoch, partitionEpoch);
    }

    private static ErrorCode failure(CompletableFuture<Long> future) {
        ExecutionException e = assertThrows(ExecutionException.class, future::get);
        return assertInstanceOf(ReplicationException.class, e.getCause()).errorCode();
    }

    @Test
    void acksAllWaitsFailWithNotLeaderWhenLeadershipMoves() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);
        AppendOutcome outcome = p.appendAsLeader(batch("a"), -1, clock.millis() + 10_000);
        assertFalse(outcome.replicated().isDone());
        p.becomeFollower(state(2, 4, List.of(1, 2), 1));
        assertEquals(ErrorCode.NOT_LEADER, failure(outcome.replicated()));
        ReplicationException e = assertThrows(ReplicationException.class,
                () -> p.appendAsLeader(batch("b"), 1, clock.millis()));
        assertEquals(ErrorCode.NOT_LEADER, e.errorCode());
    }

    @Test
    void anAppendWhoseReplicaWentOfflineMeanwhileGetsStorageErrorNotNotLeader() {
        timer.setRemoveOnCancelPolicy(true);
        Log log = Log.open(dir.resolve("t-0"), LogConfig.builder().flushMode(FlushMode.DEFERRED).build(), clock);
        // The flusher's fsync fails and the directory's replicas are closed before the appender
        // looks at its leadership again: the interleaving of a failing disk under a produce.
        partition = new Partition(new TopicPartition("t", 0), "id", log, new ReplicaContext(1, clock, 5000, timer,
                flushed -> flushed.closeOffline("the log directory is offline: fsync failed")));
        partition.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);

        AppendOutcome outcome = partition.appendAsLeader(batch("a"), -1, clock.millis() + 10_000);

        ExecutionException e = assertThrows(ExecutionException.class, outcome.replicated()::get);
        ReplicationException refused = assertInstanceOf(ReplicationException.class, e.getCause());
        assertEquals(ErrorCode.STORAGE_ERROR, refused.errorCode(), refused.getMessage());
        assertTrue(refused.getMessage().contains("offline"), refused.getMessage());
    }

    @Test
    void acksAllWaitsTimeOutAtTheirDeadline() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);
        AppendOutcome outcome = p.appendAsLeader(batch("a"), -1, clock.millis() + 100);
        p.expireAcks();
        assertFalse(outcome.replicated().isDone());
        clock.advance(100);
        p.expireAcks();
        assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure(outcome.replicated()));
    }

    @Test
    void anAnswerFetchedUnderAnOlderLeaderEpochIsIgnored() {
        Partition p = open();
        p.becomeFollower(state(2, 3, List.of(1, 2), 0));
        FollowerPosition position = p.followerPosition().orElseThrow();
        assertEquals(2, position.leaderId());
        p.becomeFollower(state(2, 4, List.of(1, 2), 1));
        ByteBuffer leaderBatch = batch("from the old epoch");
        assertFalse(p.applyFromLeader(3, leaderBatch, 1, 0, Optional.empty()));
        assertEquals(0, p.log().logEndOffset());
        p.becomeLeader(state(1, 5, List.of(1, 2), 2), 1);
        assertTrue(p.followerPosition().isEmpty());
        assertFalse(p.applyFromLeader(4, batch("x"), 1, 0, Optional.of(new EpochEndOffset(4, 0))));
    }

    @Test
    void aFollowerThatStopsFetchingIsProposedOutAndBackInWhenItCatchesUp() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 7), 1);
        p.appendAsLeader(batch("a"), 1, clock.millis());
        assertTrue(p.isrProposal().isEmpty());
        clock.advance(5001);
        IsrProposal shrink = p.isrProposal().orElseThrow();
        assertEquals(List.of(1), shrink.newIsr());
        assertEquals(7, shrink.partitionEpoch());
        p.onAssignmentUpdated(state(1, 3, List.of(1), 8));
        assertEquals(1, p.highWatermark(), "alone in the ISR, the leader's durable end is the HW");
        LeaderReads.replicaFetch(p, 2, 1, 1, 3, 3, 1 << 20);
        IsrProposal expand = p.isrProposal().orElseThrow();
        assertEquals(List.of(1, 2), expand.newIsr());
        assertEquals(8, expand.partitionEpoch());
    }

    /**
     * Found by the nemesis suite (seed 49499518656195): a queue's log start had passed a restarted
     * follower's whole log, the leader's epochs began at its current one, and every fetch was
     * answered "diverging at epoch -1", so the follower truncated to its HW and asked again
     * forever. Below the log start the answer is OFFSET_OUT_OF_RANGE, as Kafka's, which makes the
     * follower restart its log at the leader's log start.
     */
    @Test
    void aFollowerBelowTheLogStartIsToldOutOfRangeNotToTruncateByAnEpochTheLeaderForgot() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1), 0), 1);
        for (int i = 0; i < 3; i++) {
            p.appendAsLeader(batch("epoch-3-" + i), 1, clock.millis());
        }
        p.becomeLeader(state(1, 5, List.of(1), 1), 1);
        for (int i = 0; i < 3; i++) {
            p.appendAsLeader(batch("epoch-5-" + i), 1, clock.millis());
        }
        p.log().deleteRecordsBefore(4);  // every record of epoch 3 is gone, and epoch 3 with them
        assertEquals(-1, p.log().endOffsetForEpoch(3).epoch(), "the leader no longer knows epoch 3");

        ReplicationException refused = assertThrows(ReplicationException.class,
                () -> LeaderReads.replicaFetch(p, 2, 2, 2, 5, 3, 1 << 20));
        assertEquals(ErrorCode.OFFSET_OUT_OF_RANGE, refused.errorCode());

        assertThrows(ReplicationException.class, () -> LeaderReads.replicaFetch(p, 2, 2, 2, 4, 3, 1 << 20),
                "a fenced leader epoch is still refused first");
    }

    @Test
    void aChangedMinInsyncReplicasReachesTheCurrentLeader() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1), 0), 1);
        p.appendAsLeader(batch("a"), -1, clock.millis() + 10_000);
        p.onAssignmentUpdated(state(1, 3, List.of(1), 0), 2);
        ReplicationException e = assertThrows(ReplicationException.class,
                () -> p.appendAsLeader(batch("b"), -1, clock.millis() + 10_000));
        assertEquals(ErrorCode.NOT_ENOUGH_REPLICAS, e.errorCode());
        assertTrue(e.getMessage().contains("min.insync.replicas=2"), e.getMessage());
        assertEquals(1, p.log().logEndOffset(), "nothing appended");
        p.onAssignmentUpdated(state(1, 3, List.of(1), 0), 1);
        p.appendAsLeader(batch("c"), -1, clock.millis() + 10_000);
    }

    @Test
    void closingAnswersWaitingProducesWithNotLeaderAndStopsTheirTimer() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);
        AppendOutcome outcome = p.appendAsLeader(batch("a"), -1, clock.millis() + 100);
        assertEquals(1, timer.getQueue().size(), "the deadline is armed");
        p.close();
        assertEquals(ErrorCode.NOT_LEADER, failure(outcome.replicated()));
        assertEquals(0, timer.getQueue().size(), "no timer is left to fire on a closed replica");
        clock.advance(1000);
        p.expireAcks();  // a timer that had already started must find nothing to do
    }

    @Test
    void ackCompletionsRunOutsideThePartitionMonitor() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);
        AtomicReference<Boolean> heldOnSuccess = new AtomicReference<>();
        p.appendAsLeader(batch("a"), -1, clock.millis() + 10_000).replicated()
                .whenComplete((hw, failure) -> heldOnSuccess.set(Thread.holdsLock(p)));
        LeaderReads.replicaFetch(p, 2, 1, 1, 3, 3, 1 << 20);
        assertEquals(Boolean.FALSE, heldOnSuccess.get(), "completed when the follower's fetch moved the HW");

        AtomicReference<Boolean> heldOnExpiry = new AtomicReference<>();
        p.appendAsLeader(batch("b"), -1, clock.millis() + 100).replicated()
                .whenComplete((hw, failure) -> heldOnExpiry.set(Thread.holdsLock(p)));
        clock.advance(100);
        p.expireAcks();
        assertEquals(Boolean.FALSE, heldOnExpiry.get());

        AtomicReference<Boolean> heldOnLoss = new AtomicReference<>();
        p.appendAsLeader(batch("c"), -1, clock.millis() + 10_000).replicated()
                .whenComplete((hw, failure) -> heldOnLoss.set(Thread.holdsLock(p)));
        p.becomeFollower(state(2, 4, List.of(1, 2), 1));
        assertEquals(Boolean.FALSE, heldOnLoss.get());
    }

    @Test
    void manyWaitsShareOnePartitionTimerThatExpiresThemAndIsRemovedWhenNoneIsLeft() {
        Partition p = open();
        p.becomeLeader(state(1, 3, List.of(1, 2), 0), 1);
        List<CompletableFuture<Long>> waits = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            waits.add(p.appendAsLeader(batch("w" + i), -1, clock.millis() + 50).replicated());
        }
        assertEquals(1, timer.getQueue().size(), "one deadline timer for the partition, not one per request");
        clock.advance(50);
        await().atMost(5, TimeUnit.SECONDS).until(() -> waits.stream().allMatch(CompletableFuture::isDone));
        waits.forEach(w -> assertEquals(ErrorCode.REQUEST_TIMED_OUT, failure(w)));
        assertEquals(0, timer.getQueue().size());

        CompletableFuture<Long> served = p.appendAsLeader(batch("x"), -1, clock.millis() + 10_000).replicated();
        assertEquals(1, timer.getQueue().size());
        LeaderReads.replicaFetch(p, 2, p.log().logEndOffset(), p.log().logEndOffset(), 3, 3, 1 << 20);
        assertTrue(served.isDone() && !served.isCompletedExceptionally());
        assertEquals(0, timer.getQueue().size(), "the timer is removed once no wait is left");
    }
}
