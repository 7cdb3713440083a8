package io.wharf.broker.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.LeaderReads;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.ReplicaContext;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import io.wharf.replication.replica.ReplicationException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A group read waits until the high watermark covers the state it was computed from. */
class HighWatermarkWaitTest {

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

    /** A leader with one follower in the ISR and one record appended but not yet replicated. */
    private Partition leaderWithAnUncommittedRecord() {
        partition = new Partition(new TopicPartition(OffsetsTopic.NAME, 0), "id",
                Log.open(dir.resolve("p-0"), LogConfig.defaults(), clock),
                new ReplicaContext(1, clock, 5000, timer, flushed -> { }));
        partition.becomeLeader(new PartitionState(0, List.of(1, 2), List.of(1, 2), 1, 3, 0), 1);
        partition.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE)
                .append(1L, null, "r".getBytes(StandardCharsets.UTF_8)).build(), -1, clock.millis() + 60_000);
        return partition;
    }

    @Test
    void completesOnlyWhenTheFollowersFetchMovesTheHighWatermarkPastTheOffset() throws Exception {
        Partition p = leaderWithAnUncommittedRecord();
        CompletableFuture<Void> committed = HighWatermarkWait.until(p, 1, timer, Duration.ofSeconds(30));
        assertFalse(committed.isDone(), "the record at offset 0 is not on the follower yet");
        LeaderReads.replicaFetch(p, 2, 1, 1, 3, 3, 1 << 20);
        committed.get(5, TimeUnit.SECONDS);
        assertTrue(HighWatermarkWait.until(p, 1, timer, Duration.ofSeconds(30)).isDone(), "already committed");
    }

    @Test
    void failsWithNotLeaderWhenLeadershipMovesAndTimesOutWhenTheIsrNeverCatchesUp() {
        Partition p = leaderWithAnUncommittedRecord();
        CompletableFuture<Void> lost = HighWatermarkWait.until(p, 1, timer, Duration.ofSeconds(30));
        CompletableFuture<Void> late = HighWatermarkWait.until(p, 1, timer, Duration.ofMillis(50));
        ExecutionException timedOut = assertThrows(ExecutionException.class, () -> late.get(5, TimeUnit.SECONDS));
        assertEquals(ErrorCode.REQUEST_TIMED_OUT,
                assertInstanceOf(ReplicationException.class, timedOut.getCause()).errorCode());
        p.becomeFollower(new PartitionState(0, List.of(1, 2), List.of(1, 2), 2, 4, 1));
        ExecutionException moved = assertThrows(ExecutionException.class, () -> lost.get(5, TimeUnit.SECONDS));
        assertEquals(ErrorCode.NOT_LEADER, assertInstanceOf(ReplicationException.class, moved.getCause()).errorCode());
    }
}
