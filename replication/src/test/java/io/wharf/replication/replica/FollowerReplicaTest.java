package io.wharf.replication.replica;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        follower.applyFetched(slice.toByteBuffer(), leaderHw);
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
        follower.applyFetched(leaderLog.read(0, 1).toByteBuffer(), 6);
        assertEquals(3, follower.highWatermark(), "only one batch arrived");
        follower.applyFetched(ByteBuffer.allocate(0), 6);
        assertEquals(3, follower.highWatermark());
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
