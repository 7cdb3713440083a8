package io.wharf.broker.partition;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.OffsetOutOfRangeException;
import io.wharf.replication.replica.DivergenceCheck;
import io.wharf.replication.replica.ReplicationException;
import java.util.Optional;

/**
 * What a leader's log answers its readers: a consumer's {@code Fetch} (whole batches below the
 * high watermark) and a follower's {@code ReplicaFetch} (where its log diverges, else batches up
 * to the log end). An offset outside the log is refused with OFFSET_OUT_OF_RANGE naming the valid
 * range. The leadership checks and the follower's progress go through the {@link Partition} under
 * its monitor; the log is read outside it. Stateless.
 */
public final class LeaderReads {

    private LeaderReads() {
    }

    /**
     * Reads whole batches of {@code partition} below its high watermark for a consumer.
     *
     * @throws ReplicationException NOT_LEADER, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH,
     *     OFFSET_OUT_OF_RANGE (with the valid range)
     */
    public static ReadResult read(Partition partition, long offset, int maxBytes, int currentLeaderEpoch) {
        long hw = partition.leaderHighWatermark(currentLeaderEpoch);
        Log log = partition.log();
        long start = log.logStartOffset();
        if (offset < start || offset > log.logEndOffset()) {
            throw ReadRefusals.outOfRange(partition.topicPartition(), offset, start, hw, "high watermark");
        }
        try {
            ByteString records = UnsafeByteOperations.unsafeWrap(log.readCopy(offset, Math.max(1, maxBytes), hw));
            return new ReadResult(records, hw, log.logStartOffset());
        } catch (OffsetOutOfRangeException e) {
            throw ReadRefusals.outOfRange(partition.topicPartition(), offset, e.logStartOffset(), hw,
                    "high watermark");
        }
    }

    /**
     * The leader's side of one follower partition in a ReplicaFetch: records the follower's
     * progress (which may move the HW, {@link Partition#onFollowerFetch}), then answers divergence
     * or batches from its offset.
     *
     * @throws ReplicationException NOT_LEADER, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH (refused
     *     first), OFFSET_OUT_OF_RANGE (with the valid range)
     */
    public static ReplicaFetchResult replicaFetch(Partition partition, int replicaId, long fetchOffset,
                                                  long durableEndOffset, int currentLeaderEpoch, int lastFetchedEpoch,
                                                  int maxBytes) {
        Log log = partition.log();
        // Below the log start the epochs that would place the follower's log are gone with their
        // records: it must restart at the log start (OFFSET_OUT_OF_RANGE, as Kafka answers), not
        // truncate by an epoch the leader no longer knows, which it would do again on every fetch.
        long startBefore = log.logStartOffset();
        if (fetchOffset < startBefore) {
            partition.leaderHighWatermark(currentLeaderEpoch);  // not leading, or another epoch: refused first
            throw ReadRefusals.outOfRange(partition.topicPartition(), fetchOffset, startBefore, log.logEndOffset(),
                    "log end");
        }
        Optional<EpochEndOffset> diverging = DivergenceCheck.diverging(log::endOffsetForEpoch, fetchOffset,
                lastFetchedEpoch);
        if (diverging.isPresent()) {
            // Its fetch offset counts records that differ from the leader's: not recorded as progress.
            long hw = partition.leaderHighWatermark(currentLeaderEpoch);
            return new ReplicaFetchResult(ByteString.EMPTY, hw, log.logStartOffset(), diverging);
        }
        long hw = partition.onFollowerFetch(replicaId, fetchOffset, durableEndOffset, currentLeaderEpoch);
        long start = log.logStartOffset();
        if (fetchOffset < start || fetchOffset > log.logEndOffset()) {
            throw ReadRefusals.outOfRange(partition.topicPartition(), fetchOffset, start, log.logEndOffset(),
                    "log end");
        }
        ByteString records = UnsafeByteOperations.unsafeWrap(log.readCopy(fetchOffset, Math.max(1, maxBytes),
                Long.MAX_VALUE));
        return new ReplicaFetchResult(records, hw, log.logStartOffset(), Optional.empty());
    }
}
