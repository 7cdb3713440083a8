package io.wharf.replication.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.record.CompressionType;
import io.wharf.record.RecordBatchBuilder;
import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogConfig;
import io.wharf.replication.log.LogSlice;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A follower meeting a new leader over real logs: truncate on divergence, copy, end byte-identical. */
class FollowerReplicaTest {

    @TempDir
    Path dir;

    private Log leaderLog;
    private Log followerLog;

    @AfterEach
    void close() {
        if (leaderLog != null) {
            leaderLog.close();
        }
        if (followerLog != null) {
            followerLog.close();
        }
    }

    private static ByteBuffer batch(String tag, int count) {
        RecordBatchBuilder builder = new RecordBatchBuilder(CompressionType.NONE);
        for (int i = 0; i < count; i++) {
            builder.append(1000 + i, null, (tag + i).getBytes(StandardCharsets.UTF_8));
        }
        return builder.build();
    }

    private Log open(String name, FlushMode mode) {
        return Log.open(dir.resolve(name), LogConfig.builder().flushMode(mode).build(), Clock.systemUTC());
    }

    /** One fetch round as the leader would answer it, applied to the follower. */
    private static void fetchOnce(Log leader, FollowerReplica follower, long leaderHw) {
        Optional<EpochEndOffset> diverging = DivergenceCheck.diverging(leader::endOffsetForEpoch,
                follower.fetchOffset(), follower.lastFetchedEpoch());
        if (diverging.isPresent()) {
            follower.truncateOnDivergence(diverging.get());
            return;
        }
        LogSlice slice = leader.read(follower.fetchOffset(), 1 << 20);
        follower.applyFetched(slice.toByteBuffer(), leaderHw, leader.logStartOffset());
    }

    private static byte[] bytes(Log log) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = log.logStartOffset();
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, 1 << 20);
            out.writeBytes(slice.toByteBuffer().array());
            offset = slice.nextOffset();
        }
        return out.toByteArray();
    }

    @Test
    void aFollowerWithAStaleTailTruncatesThenCopiesTheNewLeadersLog() {
        leaderLog = open("leader", FlushMode.SYNC);
        followerLog = open("follower", FlushMode.SYNC);
        // Epoch 1: both get the first batch; the follower (then leader) also wrote one more.
        leaderLog.appendAsLeader(batch("a", 3), 1);
        followerLog.appendAsFollower(leaderLog.read(0, 1 << 20).toByteBuffer());
        followerLog.appendAsLeader(batch("lost", 2), 1);
        // Epoch 2 on the new leader, which never got the "lost" batch.
        leaderLog.appendAsLeader(batch("b", 4), 2);
        leaderLog.appendAsLeader(batch("c", 1), 2);

        FollowerReplica follower = new FollowerReplica(followerLog, 2, 3);
        assertEquals(5, follower.fetchOffset());
        assertEquals(1, follower.lastFetchedEpoch());
        fetchOnce(leaderLog, follower, 3);
        assertEquals(3, followerLog.logEndOffset(), "cut back to the end of epoch 1 on the leader");
        for (int i = 0; i < 5 && follower.fetchOffset() < leaderLog.logEndOffset(); i++) {
            fetchOnce(leaderLog, follower, 8);
        }
        assertEquals(leaderLog.logEndOffset(), followerLog.logEndOffset());
        assertEquals(8, follower.highWatermark());
        assertTrue(java.util.Arrays.equals(bytes(leaderLog), bytes(followerLog)), "logs are byte-identical");
        assertEquals(leaderLog.leaderEpochCache().entries(), followerLog.leaderEpochCache().entries());
    }

    @Test
    void theLeadersHighWatermarkIsCappedByTheFollowersOwnEnd() {
        leaderLog = open("leader", FlushMode.SYNC);
        followerLog = open("follower", FlushMode.SYNC);
        leaderLog.appendAsLeader(batch("a", 3), 1);
        leaderLog.appendAsLeader(batch("b", 3), 1);
        FollowerReplica follower = new FollowerReplica(followerLog, 1, 0);
        follower.applyFetched(leaderLog.read(0, 1).toByteBuffer(), 6, 0);
        assertEquals(3, follower.highWatermark(), "only one batch arrived");
        follower.applyFetched(ByteBuffer.allocate(0), 6, 0);
        assertEquals(3, follower.highWatermark());
    }

    @Test
    void aFollowerBelowTheLeadersLogStartRestartsThereAndCatchesUp() {
        leaderLog = Log.open(dir.resolve("leader"), LogConfig.builder().segmentBytes(300).build(), Clock.systemUTC());
        followerLog = open("follower", FlushMode.SYNC);
        for (int i = 0; i < 12; i++) {
            leaderLog.appendAsLeader(batch("b" + i, 3), 1 + i / 6);
        }
        FollowerReplica follower = new FollowerReplica(followerLog, 2, 0);
        follower.applyFetched(leaderLog.read(0, 1).toByteBuffer(), 3, 0);
        assertEquals(3, follower.fetchOffset());
        // While the follower was away, the leader's log start moved into the middle of batch 21..23.
        leaderLog.deleteRecordsBefore(22);
        assertEquals(22, leaderLog.logStartOffset());
        assertFalse(follower.restartBelowLeaderLogStart(2), "a fetch offset at or above the leader's start stays");
        assertEquals(3, followerLog.logEndOffset());

        assertTrue(follower.restartBelowLeaderLogStart(leaderLog.logStartOffset()));
        assertEquals(22, followerLog.logStartOffset());
        assertEquals(22, follower.fetchOffset());
        assertEquals(22, follower.highWatermark());
        assertEquals(-1, follower.lastFetchedEpoch(), "an emptied log has no epoch history");
        for (int i = 0; i < 20 && follower.fetchOffset() < leaderLog.logEndOffset(); i++) {
            fetchOnce(leaderLog, follower, 36);
        }
        assertEquals(21, followerLog.segmentBaseOffsets().get(0),
                "restarted at the base of the batch holding the leader's start");
        assertEquals(22, followerLog.logStartOffset(), "then adopted the leader's log start");
        assertEquals(36, followerLog.logEndOffset());
        assertEquals(36, follower.highWatermark());
        assertEquals(leaderLog.endOffsetForEpoch(1), followerLog.endOffsetForEpoch(1));
        assertEquals(leaderLog.endOffsetForEpoch(2), followerLog.endOffsetForEpoch(2));
        assertTrue(java.util.Arrays.equals(bytesFrom(leaderLog, 22), bytes(followerLog)),
                "the follower holds the leader's batches from 21 on, byte for byte");
    }

    @Test
    void aFollowerMovesItsLogStartUpToTheLeadersWithinItsHighWatermark() {
        LogConfig small = LogConfig.builder().segmentBytes(300).build();
        leaderLog = Log.open(dir.resolve("leader"), small, Clock.systemUTC());
        followerLog = Log.open(dir.resolve("follower"), small, Clock.systemUTC());
        for (int i = 0; i < 12; i++) {
            leaderLog.appendAsLeader(batch("b" + i, 3), 1);
        }
        FollowerReplica follower = new FollowerReplica(followerLog, 1, 0);
        for (int i = 0; i < 20 && follower.fetchOffset() < leaderLog.logEndOffset(); i++) {
            fetchOnce(leaderLog, follower, 36);
        }
        assertTrue(followerLog.segmentBaseOffsets().size() > 3, followerLog.toString());
        long leaderStart = leaderLog.segmentBaseOffsets().get(2);
        leaderLog.deleteRecordsBefore(leaderStart);

        follower.applyFetched(ByteBuffer.allocate(0), 36, leaderLog.logStartOffset());
        assertEquals(leaderStart, followerLog.logStartOffset());
        assertEquals(leaderLog.segmentBaseOffsets(), followerLog.segmentBaseOffsets(), "its segments below went too");

        follower.applyFetched(ByteBuffer.allocate(0), 36, leaderStart - 3);
        assertEquals(leaderStart, followerLog.logStartOffset(), "never moves back");
        follower.applyFetched(ByteBuffer.allocate(0), 30, 33);
        assertEquals(30, followerLog.logStartOffset(), "capped by the follower's high watermark");
        follower.applyFetched(ByteBuffer.allocate(0), 36, -1);
        assertEquals(30, followerLog.logStartOffset(), "an unknown leader start changes nothing");
        assertEquals(36, followerLog.logEndOffset(), "nothing at or above the log start was lost");
    }

    private static byte[] bytesFrom(Log log, long from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long offset = from;
        while (offset < log.logEndOffset()) {
            LogSlice slice = log.read(offset, 1 << 20);
            out.writeBytes(slice.toByteBuffer().array());
            offset = slice.nextOffset();
        }
        return out.toByteArray();
    }

    @Test
    void durableEndFollowsTheFlushMode() {
        followerLog = open("lazy", FlushMode.LAZY);
        FollowerReplica lazy = new FollowerReplica(followerLog, 1, 0);
        followerLog.appendAsLeader(batch("a", 3), 1);
        assertEquals(3, lazy.durableEndOffset(), "lazy mode counts the page cache");
        leaderLog = open("sync", FlushMode.SYNC);
        FollowerReplica sync = new FollowerReplica(leaderLog, 1, 0);
        leaderLog.appendAsLeader(batch("a", 3), 1);
        assertEquals(leaderLog.flushedOffset(), sync.durableEndOffset());
        assertEquals(3, sync.durableEndOffset());
    }
}
