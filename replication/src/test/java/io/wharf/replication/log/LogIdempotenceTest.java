package io.wharf.replication.log;

import static io.wharf.replication.log.TestBatches.batch;
import static io.wharf.replication.log.TestBatches.concat;
import static io.wharf.replication.log.TestBatches.idempotent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.proto.common.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Deduplication of idempotent producers' batches in the log, and its state across followers, restarts and truncation. */
class LogIdempotenceTest {
    @TempDir
    Path dir;
    private final ManualClock clock = new ManualClock(1_700_000_000_000L);

    private LogConfig config() {
        return LogConfig.builder().flushMode(FlushMode.SYNC).segmentBytes(600).indexIntervalBytes(100)
                .segmentIndexBytes(1024).build();
    }

    /** A copy, since the log stamps offsets into what it appends and a retry resends the producer's bytes. */
    private static ByteBuffer copy(ByteBuffer batches) {
        ByteBuffer out = ByteBuffer.allocate(batches.remaining());
        out.put(batches.duplicate());
        return out.flip();
    }

    @Test
    void aRetriedBatchAnswersItsOriginalOffsetsAndIsNotWrittenAgain() {
        try (Log log = Log.open(dir, config(), clock)) {
            ByteBuffer first = idempotent(5, 0, 3, clock.millis(), "a");
            log.appendAsLeader(batch(2, clock.millis(), "other"), 0);
            assertEquals(2, log.appendAsLeader(copy(first), 0, 1000).firstOffset());
            log.appendAsLeader(batch(2, clock.millis(), "other"), 0);

            LogAppendInfo retry = log.appendAsLeader(copy(first), 0, 1000);

            assertEquals(List.of(2L), retry.batchBaseOffsets());
            assertEquals(4, retry.lastOffset());
            assertEquals(1, retry.duplicateBatches());
            assertEquals(0, retry.sizeInBytes());
            assertEquals(7, log.logEndOffset());
        }
    }

    @Test
    void aRequestWhoseFirstBatchWasWrittenWritesOnlyTheRest() {
        try (Log log = Log.open(dir, config(), clock)) {
            ByteBuffer b0 = idempotent(5, 0, 2, clock.millis(), "a");
            ByteBuffer b1 = idempotent(5, 2, 1, clock.millis(), "b");
            log.appendAsLeader(copy(b0), 0, 1000);
            log.appendAsLeader(batch(1, clock.millis(), "other"), 0);

            LogAppendInfo info = log.appendAsLeader(concat(b0, b1), 0, 1000);

            assertEquals(List.of(0L, 3L), info.batchBaseOffsets());
            assertEquals(1, info.duplicateBatches());
            assertEquals(4, log.logEndOffset());
            assertEquals(List.of("a-0", "a-1", "other-0", "b-0"),
                    TestBatches.readAll(log, 0).stream().map(TestBatches::value).toList());
        }
    }

    @Test
    void aSequenceGapOrAnUnknownProducerIsRefusedAndNothingIsAppended() {
        try (Log log = Log.open(dir, config(), clock)) {
            log.appendAsLeader(idempotent(5, 0, 2, clock.millis(), "a"), 0, 1000);

            InvalidAppendException gap = assertThrows(InvalidAppendException.class,
                    () -> log.appendAsLeader(idempotent(5, 3, 1, clock.millis(), "gap"), 0, 1000));
            assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, gap.errorCode());
            InvalidAppendException fresh = assertThrows(InvalidAppendException.class,
                    () -> log.appendAsLeader(idempotent(6, 4, 1, clock.millis(), "late"), 0, 1000));
            assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, fresh.errorCode());
            InvalidAppendException unknown = assertThrows(InvalidAppendException.class,
                    () -> log.appendAsLeader(idempotent(1000, 0, 1, clock.millis(), "x"), 0, 1000));
            assertEquals(ErrorCode.UNKNOWN_PRODUCER_ID, unknown.errorCode());

            assertEquals(2, log.logEndOffset());
        }
    }

    @Test
    void aFollowerThatBecomesLeaderDeduplicatesWhatItReplicated() throws Exception {
        Files.createDirectories(dir.resolve("leader"));
        try (Log leader = Log.open(dir.resolve("leader"), config(), clock);
             Log follower = Log.open(dir.resolve("follower"), config(), clock)) {
            ByteBuffer b0 = idempotent(5, 0, 2, clock.millis(), "a");
            ByteBuffer b1 = idempotent(5, 2, 2, clock.millis(), "b");
            leader.appendAsLeader(copy(b0), 0, 1000);
            leader.appendAsLeader(copy(b1), 0, 1000);
            follower.appendAsFollower(leader.read(0, 64 * 1024).toByteBuffer());

            LogAppendInfo retry = follower.appendAsLeader(concat(b0, b1), 1, 1000);

            assertEquals(List.of(0L, 2L), retry.batchBaseOffsets());
            assertEquals(4, follower.logEndOffset());
        }
    }

    @Test
    void theStateIsRebuiltFromTheLogAfterARestartAndATruncation() {
        ByteBuffer[] batches = new ByteBuffer[12];
        for (int i = 0; i < batches.length; i++) {
            batches[i] = idempotent(5, 2 * i, 2, clock.millis(), "v" + i);
        }
        try (Log log = Log.open(dir, config(), clock)) {
            for (ByteBuffer b : batches) {
                log.appendAsLeader(copy(b), 0, 1000);
            }
        }
        try (Log reopened = Log.open(dir, config(), clock)) {
            assertEquals(List.of(22L), reopened.appendAsLeader(copy(batches[11]), 1, 1000).batchBaseOffsets());
            assertEquals(24, reopened.logEndOffset());

            reopened.truncateTo(22);
            assertEquals(List.of(20L), reopened.appendAsLeader(copy(batches[10]), 1, 1000).batchBaseOffsets());
            assertEquals(List.of(22L), reopened.appendAsLeader(copy(batches[11]), 1, 1000).batchBaseOffsets(),
                    "the truncated batch is written again");
            assertEquals(22, reopened.producerState().entry(5).orElseThrow().lastSequence() - 1);
        }
    }

    @Test
    void aTruncationBelowTheLogStartForgetsEveryProducerAsAFullRestartDoes() {
        try (Log log = Log.open(dir, config(), clock)) {
            ByteBuffer first = idempotent(5, 0, 3, clock.millis(), "a");
            log.appendAsLeader(copy(first), 0, 1000);
            for (int i = 0; i < 4; i++) {
                log.appendAsLeader(batch(2, clock.millis(), "other"), 0);
            }
            log.deleteRecordsBefore(6);

            assertEquals(4, log.truncateTo(4));
            assertEquals(0, log.producerState().size(), "no batch of any producer is left in the log");
            // A leader that kept producer 5's state would call this a duplicate and write nothing.
            LogAppendInfo again = log.appendAsLeader(copy(first), 1, 1000);
            assertEquals(0, again.duplicateBatches());
            assertEquals(List.of("a-0", "a-1", "a-2"),
                    TestBatches.readAll(log, 4).stream().map(TestBatches::value).toList());
        }
    }

    @Test
    void producerStateExpiresByItsBatchTimestampsOnEveryReplicaAndAfterAReopen() throws Exception {
        long expiration = 60_000;
        Files.createDirectories(dir.resolve("leader"));
        try (Log leader = Log.open(dir.resolve("leader"), config(), clock);
             Log follower = Log.open(dir.resolve("follower"), config(), clock)) {
            leader.appendAsLeader(idempotent(5, 0, 2, clock.millis(), "old"), 0, 1000);
            clock.advance(10_000);
            leader.appendAsLeader(idempotent(6, 0, 2, clock.millis(), "young"), 0, 1000);
            follower.appendAsFollower(leader.read(0, 64 * 1024).toByteBuffer());
            clock.advance(expiration - 10_000);

            assertEquals(1, leader.removeExpiredProducers(expiration));
            assertEquals(1, follower.removeExpiredProducers(expiration));
            assertEquals(List.of(false, true), List.of(follower.producerState().entry(5).isPresent(),
                    follower.producerState().entry(6).isPresent()));

            InvalidAppendException expired = assertThrows(InvalidAppendException.class,
                    () -> leader.appendAsLeader(idempotent(5, 2, 1, clock.millis(), "after"), 0, 1000));
            assertEquals(ErrorCode.OUT_OF_ORDER_SEQUENCE, expired.errorCode());
            assertEquals(List.of(4L), leader.appendAsLeader(idempotent(5, 0, 1, clock.millis(), "anew"), 0, 1000)
                    .batchBaseOffsets());
        }
        try (Log reopened = Log.open(dir.resolve("follower"), config(), clock)) {
            assertEquals(1, reopened.removeExpiredProducers(expiration), "the rebuilt state expires the same producer");
            assertEquals(6, reopened.producerState().entry(6).orElseThrow().producerId());
        }
    }
}
