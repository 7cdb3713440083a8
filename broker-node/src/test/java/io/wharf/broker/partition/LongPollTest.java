package io.wharf.broker.partition;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.wharf.broker.TopicPartition;
import io.wharf.metadata.PartitionState;
import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A waiting request is woken by every change of a watched partition, whenever it lands. */
class LongPollTest {

    /** Far beyond the test's patience: answering by the deadline counts as a missed wake-up. */
    private static final long MAX_WAIT_MS = 60_000;

    @TempDir
    Path dir;

    private final ManualClock clock = new ManualClock(1_000_000);
    private final ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1);
    private Partition partition;

    @AfterEach
    void close() {
        if (partition != null) {
            partition.close();
        }
        executor.shutdownNow();
    }

    private Partition leader() {
        Log log = Log.open(dir.resolve("t-0"), LogConfig.defaults(), clock);
        partition = new Partition(new TopicPartition("t", 0), "id", log,
                new ReplicaContext(1, clock, 5000, executor, flushed -> { }));
        partition.becomeLeader(new PartitionState(0, List.of(1), List.of(1), 1, 1, 0), 1);
        return partition;
    }

    private void append(String value) {
        partition.appendAsLeader(new RecordBatchBuilder(CompressionType.NONE)
                .append(clock.millis(), null, value.getBytes(StandardCharsets.UTF_8)).build(), 1, clock.millis());
    }

    @Test
    void anAppendDuringAWokenEvaluationWakesThePollAgain() {
        Partition p = leader();
        AtomicInteger evaluations = new AtomicInteger();
        CompletableFuture<Long> answer = LongPoll.start(executor, List.of(p), MAX_WAIT_MS, () -> {
            int n = evaluations.incrementAndGet();
            long end = p.log().logEndOffset();
            if (n == 2) {
                // Woken by the first append, this evaluation has read the state (not enough yet)
                // when a second append lands, before the poll waits again: the interleaving that
                // used to leave it parked until its deadline.
                append("second");
            }
            return new LongPoll.Attempt<>(end, end >= 2);
        });
        assertEquals(1, evaluations.get(), "evaluated once at the start");
        append("first");
        await().atMost(Duration.ofSeconds(10)).until(answer::isDone);
        assertEquals(2L, answer.join());
        assertEquals(3, evaluations.get());
    }

    @Test
    void aPollStaysParkedWithoutChangesAndLeavesNoListenerOnceAnswered() {
        Partition p = leader();
        CompletableFuture<Long> answer = LongPoll.start(executor, List.of(p), MAX_WAIT_MS,
                () -> new LongPoll.Attempt<>(p.log().logEndOffset(), p.log().logEndOffset() >= 1));
        assertFalse(answer.isDone());
        append("only");
        await().atMost(Duration.ofSeconds(10)).until(answer::isDone);
        assertEquals(1L, answer.join());
    }
}
