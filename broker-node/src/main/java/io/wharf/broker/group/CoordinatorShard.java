package io.wharf.broker.group;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.AppendOutcome;
import io.wharf.broker.partition.Partition;
import io.wharf.group.GroupConfig;
import io.wharf.group.GroupCoordinator;
import io.wharf.group.GroupRecord;
import io.wharf.group.GroupResult;
import io.wharf.replication.log.Log;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator state of one hosted partition of {@value OffsetsTopic#NAME}, rebuilt from
 * and kept in step with that partition's log, on the leader and on every follower.
 *
 * <p>A follower replays what is committed (up to the high watermark), so a broker that becomes
 * leader already holds the state and only replays the tail of its log: no load pause, unlike
 * Kafka's coordinator, which reads the whole partition after a failover. The leader replays each
 * operation's records as the operation runs (the next operation sees them) and appends them;
 * callers answer once they are committed. When leadership is lost, or comes back in a new epoch,
 * the state is dropped and rebuilt from the log, since appends the state saw may be truncated.
 *
 * <p>Confined to the coordinator thread ({@link GroupCoordinatorService}).
 */
final class CoordinatorShard {

    private static final Logger LOG = LoggerFactory.getLogger(CoordinatorShard.class);
    private static final int NOT_LEADING = -1;
    private static final int READ_BYTES = 1 << 20;

    private final TopicPartition topicPartition;
    private final GroupConfig config;
    private GroupCoordinator coordinator;
    /** The next log offset to replay. */
    private long nextOffset;
    /** The leader epoch this shard leads in, {@link #NOT_LEADING} while it follows. */
    private int leaderEpoch = NOT_LEADING;
    /** Records replayed by the running operation, not appended yet. */
    private final List<GroupRecord> unappended = new ArrayList<>();

    CoordinatorShard(TopicPartition topicPartition, GroupConfig config) {
        this.topicPartition = topicPartition;
        this.config = config;
        this.coordinator = new GroupCoordinator(config);
    }

    TopicPartition topicPartition() {
        return topicPartition;
    }

    /** The state; mutate it only through {@link #apply}. */
    GroupCoordinator coordinator() {
        return coordinator;
    }

    /** The log offset up to which the state reflects the log (what a read of it depends on). */
    long stateEnd() {
        return nextOffset;
    }

    boolean isLeading() {
        return leaderEpoch != NOT_LEADING;
    }

    /**
     * Brings the state in step with {@code partition}'s role and log: a leader replays its whole
     * log, a follower what is committed. A change of role or leader epoch rebuilds it first.
     */
    void follow(Partition partition) {
        boolean leading = partition.isLeader();
        int epoch = leading ? partition.leaderEpoch() : NOT_LEADING;
        if (epoch != leaderEpoch) {
            if (leaderEpoch != NOT_LEADING) {
                // It led: what it appended in that epoch may be truncated by the next leader.
                reset();
            }
            leaderEpoch = epoch;
        }
        Log log = partition.log();
        catchUp(log, leading ? log.logEndOffset() : partition.highWatermark());
    }

    /** Replays the operation's records at once, so that the next operation sees them; {@link #append} writes them. */
    void apply(GroupResult<?> result) {
        if (result.isOk()) {
            coordinator.replayAll(result.records());
            unappended.addAll(result.records());
        }
    }

    /**
     * Appends the records applied since the last append as one batch on {@code partition}, which
     * this shard leads. When the append fails nothing was written, so the state is rebuilt from
     * the log before the failure goes to the caller.
     *
     * @return completes once the records are committed (at once when there were none)
     */
    CompletableFuture<Long> append(Partition partition, long nowMs, long deadlineMs) {
        if (unappended.isEmpty()) {
            return CompletableFuture.completedFuture(nextOffset);
        }
        ByteBuffer batch = GroupRecordBatches.encode(unappended, nowMs);
        int count = unappended.size();
        unappended.clear();
        AppendOutcome outcome;
        try {
            outcome = partition.appendAsLeader(batch, -1, deadlineMs);
        } catch (RuntimeException e) {
            reset();
            leaderEpoch = NOT_LEADING;
            throw e;
        }
        nextOffset = outcome.baseOffset() + count;
        return outcome.replicated();
    }

    private void catchUp(Log log, long endOffset) {
        if (nextOffset < log.logStartOffset()) {
            if (nextOffset > 0) {
                LOG.warn("{}: records {}..{} were deleted before this broker replayed them; groups may miss state",
                        topicPartition, nextOffset, log.logStartOffset() - 1);
            }
            nextOffset = log.logStartOffset();
        }
        while (nextOffset < endOffset) {
            ByteBuffer read = log.readCopy(nextOffset, READ_BYTES, endOffset);
            if (!read.hasRemaining()) {
                return;
            }
            GroupRecordBatches.Decoded decoded = GroupRecordBatches.decode(read, nextOffset, endOffset);
            coordinator.replayAll(decoded.records());
            nextOffset = Math.min(decoded.nextOffset(), endOffset);
        }
    }

    private void reset() {
        coordinator = new GroupCoordinator(config);
        nextOffset = 0;
        unappended.clear();
    }
}
