package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.common.ErrorCode;
import io.wharf.replication.log.EpochEndOffset;
import io.wharf.replication.log.FlushMode;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.LogAppendInfo;
import io.wharf.replication.replica.DurableOffsets;
import io.wharf.replication.replica.FollowerReplica;
import io.wharf.replication.replica.LeaderReplicaState;
import io.wharf.replication.replica.ReplicationException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * One replica of one partition hosted by this broker: its {@link Log} and its role, leader
 * ({@link LeaderReplicaState} and the acks=all waits) or follower ({@link FollowerReplica}),
 * as the metadata last assigned it.
 *
 * <p>Thread-safe. Role and replication state are guarded by this object's monitor; log appends
 * and reads run outside it (the log is thread-safe), so concurrent producers share fsyncs. The
 * leader's readers are answered by {@link LeaderReads}, retention by {@link RetentionEnforcer}.
 * Acks futures and change listeners run on the thread that moved the HW, always after it left the
 * monitor (their continuations build and send responses): keep them short. The acks=all waits
 * have one deadline timer per partition, armed for the earliest pending deadline and cancelled
 * when no wait is left, not one scheduled task per request.
 */
public final class Partition implements AutoCloseable {

    private final TopicPartition topicPartition;
    private final String topicId;
    private final int brokerId;
    private final Log log;
    private final Clock clock;
    private final long lagTimeMaxMs;
    private final FlushRequests flushes;
    private final boolean deferredDurability;
    private final List<Runnable> changeListeners = new ArrayList<>();  // one-shot, guarded by this

    private PartitionState state;           // guarded by this: the latest assignment applied
    private int minInsyncReplicas;          // guarded by this
    private LeaderReplicaState leader;      // guarded by this: non-null while leading
    private final AckPurgatory acks;        // guarded by this: takes waits while leading
    private FollowerReplica follower;       // guarded by this: non-null while following
    private long lastKnownHighWatermark;    // guarded by this: carried across role changes
    /** Set at close: what waiting acks=all produces were failed with, for an append that raced it. */
    private ReplicationException closedWith; // guarded by this

    public Partition(TopicPartition topicPartition, String topicId, Log log, ReplicaContext context) {
        this.topicPartition = topicPartition;
        this.topicId = topicId;
        this.brokerId = context.brokerId();
        this.log = log;
        this.clock = context.clock();
        this.lagTimeMaxMs = context.lagTimeMaxMs();
        this.acks = new AckPurgatory(context.ackTimer(), clock, this::expireAcks);
        this.flushes = context.flushes();
        this.deferredDurability = log.config().flushMode() == FlushMode.DEFERRED;
    }

    /**
     * As {@link #Partition(TopicPartition, String, Log, ReplicaContext)}, starting from the high
     * watermark a checkpoint recorded before a restart (kept within the log's start and end
     * offsets) instead of not knowing one.
     */
    public Partition(TopicPartition topicPartition, String topicId, Log log, ReplicaContext context,
                     long checkpointedHighWatermark) {
        this(topicPartition, topicId, log, context);
        this.lastKnownHighWatermark = Math.max(log.logStartOffset(),
                Math.min(checkpointedHighWatermark, log.logEndOffset()));
    }

    public TopicPartition topicPartition() {
        return topicPartition;
    }

    public String topicId() {
        return topicId;
    }

    public Log log() {
        return log;
    }

    /** The assignment last applied, or null before the first. */
    public synchronized PartitionState state() {
        return state;
    }

    public synchronized boolean isLeader() {
        return leader != null;
    }

    /** The follower state while following, else null; only the fetcher of its leader uses it. */
    public synchronized FollowerReplica follower() {
        return follower;
    }

    /** The high watermark: the leader's, or the last one learned from the leader. */
    public synchronized long highWatermark() {
        if (leader != null) {
            return leader.highWatermark();
        }
        return follower != null ? follower.highWatermark() : lastKnownHighWatermark;
    }

    /**
     * Takes leadership under {@code assigned}'s leader epoch: followers start unknown and count as
     * caught up now; the HW starts from what this replica knew (it only moves forward from there).
     */
    public void becomeLeader(PartitionState assigned, int minIsr) {
        List<Runnable> fire = new ArrayList<>();
        synchronized (this) {
            ensureOpen();
            long hw = highWatermark();
            fire.addAll(failWaiters(ErrorCode.NOT_LEADER, "leadership of " + topicPartition
                    + " moved to a new leader epoch " + assigned.leaderEpoch()));
            follower = null;
            state = assigned;
            minInsyncReplicas = minIsr;
            leader = new LeaderReplicaState(brokerId, assigned.leaderEpoch(), log.logEndOffset(), assigned.replicas(),
                    assigned.isr(), assigned.partitionEpoch(), minIsr, lagTimeMaxMs, Math.min(hw, log.logEndOffset()),
                    DurableOffsets.durableEnd(log), clock.millis());
            acks.open();
            fire.addAll(takeListeners());
        }
        if (deferredDurability && log.flushedOffset() < log.logEndOffset()) {
            // Fetched as a follower but not fsynced yet: without this the HW would wait for the next append.
            flushes.requestFlush(this);
        }
        fire.forEach(Runnable::run);
    }

    /** Follows {@code assigned}'s leader: pending acks=all waits fail with NOT_LEADER. */
    public void becomeFollower(PartitionState assigned) {
        List<Runnable> fire = new ArrayList<>();
        synchronized (this) {
            ensureOpen();
            long hw = highWatermark();
            fire.addAll(failWaiters(ErrorCode.NOT_LEADER, "this broker no longer leads " + topicPartition
                    + "; its leader is broker " + assigned.leader()));
            leader = null;
            state = assigned;
            follower = new FollowerReplica(log, assigned.leaderEpoch(), hw);
            fire.addAll(takeListeners());
        }
        fire.forEach(Runnable::run);
    }

    /** {@link #onAssignmentUpdated(PartitionState, int)} keeping min.insync.replicas (an AlterPartition answer). */
    public void onAssignmentUpdated(PartitionState assigned) {
        int minIsr;
        synchronized (this) {
            minIsr = minInsyncReplicas;
        }
        onAssignmentUpdated(assigned, minIsr);
    }

    /**
     * Adopts an ISR change within the same leader epoch (from metadata or an AlterPartition
     * answer) and the topic's current {@code min.insync.replicas}, which a leader applies from its
     * next acks=all append on.
     */
    public void onAssignmentUpdated(PartitionState assigned, int minIsr) {
        List<Runnable> fire = List.of();
        synchronized (this) {
            if (state != null && assigned.partitionEpoch() < state.partitionEpoch()) {
                return;
            }
            state = assigned;
            minInsyncReplicas = minIsr;
            if (leader != null) {
                leader.updateMinInsyncReplicas(minIsr);
                if (leader.onIsrChanged(assigned.isr(), assigned.partitionEpoch())) {
                    fire = highWatermarkMoved();
                }
            }
        }
        fire.forEach(Runnable::run);
    }

    /** {@link #appendAsLeader(ByteBuffer, int, long, long)} taking every producer id as allocated. */
    public AppendOutcome appendAsLeader(ByteBuffer records, int requiredAcks, long deadlineMs) {
        return appendAsLeader(records, requiredAcks, deadlineMs, Long.MAX_VALUE);
    }

    /**
     * Appends a producer's batches as leader. acks=-1 checks min.insync.replicas first and the
     * outcome's future completes when the HW passes the append or fails at {@code deadlineMs}
     * (see {@link #expireAcks()}). A retry of batches an idempotent producer already wrote is not
     * written again: the outcome names their original offsets and, for acks=-1, completes when
     * the HW passes them.
     *
     * @param producerIdLimit producer ids at or above it were never allocated (the metadata's next producer id)
     * @throws ReplicationException NOT_LEADER, NOT_ENOUGH_REPLICAS; nothing was appended
     * @throws io.wharf.record.CorruptRecordException, io.wharf.replication.log.RecordTooLargeException,
     *     io.wharf.replication.log.InvalidAppendException from the log (also UNKNOWN_PRODUCER_ID,
     *     OUT_OF_ORDER_SEQUENCE, INVALID_PRODUCER_EPOCH); nothing was appended
     */
    public AppendOutcome appendAsLeader(ByteBuffer records, int requiredAcks, long deadlineMs, long producerIdLimit) {
        int epoch;
        synchronized (this) {
            LeaderReplicaState current = requireLeader();
            if (requiredAcks == -1) {
                current.checkEnoughReplicas();
            }
            epoch = current.leaderEpoch();
        }
        LogAppendInfo info = log.appendAsLeader(records, epoch, producerIdLimit);
        if (deferredDurability) {
            flushes.requestFlush(this);  // first, so that the fsync overlaps waking the followers
        }
        List<Runnable> fire = new ArrayList<>();
        CompletableFuture<Long> replicated;
        synchronized (this) {
            if (leader != null && leader.onLeaderDurableEnd(DurableOffsets.durableEnd(log))) {
                fire.addAll(completeAcks());
            }
            // Followers long-poll for new data, consumers for a new HW: wake both.
            fire.addAll(takeListeners());
            if (requiredAcks != -1) {
                replicated = CompletableFuture.completedFuture(highWatermark());
            } else if (closedWith != null) {
                // Closed while appending: answered as the waits the close failed (STORAGE_ERROR when
                // the log directory went offline), not as a leadership move.
                replicated = CompletableFuture.failedFuture(closedWith);
            } else if (leader == null || leader.leaderEpoch() != epoch) {
                replicated = CompletableFuture.failedFuture(new ReplicationException(ErrorCode.NOT_LEADER,
                        "leadership of " + topicPartition + " moved while appending; the write may not survive"));
            } else {
                replicated = acks.await(info.nextOffset(), deadlineMs);
                fire.addAll(acks.completeUpTo(leader.highWatermark()));
            }
        }
        fire.forEach(Runnable::run);
        return new AppendOutcome(info.firstOffset(), info.batchBaseOffsets(), log.logStartOffset(), replicated);
    }

    /**
     * fsyncs what this replica appended, in deferred durability ({@code flush.mode=sync}), and as
     * leader counts it toward the high watermark (which may complete acks=all waits); a no-op in
     * the other modes. Runs outside the monitor: the log serializes it with appends.
     *
     * @throws IllegalStateException when the replica was closed meanwhile
     * @throws io.wharf.replication.log.LogStorageException when the fsync fails
     */
    public void flushLog() {
        if (!deferredDurability) {
            return;
        }
        log.flush();
        List<Runnable> fire = List.of();
        synchronized (this) {
            if (leader != null && leader.onLeaderDurableEnd(DurableOffsets.durableEnd(log))) {
                fire = highWatermarkMoved();
            }
        }
        fire.forEach(Runnable::run);
    }

    /** Fails acks=all waits whose deadline passed; run by the partition's deadline timer. */
    public void expireAcks() {
        List<Runnable> expired;
        synchronized (this) {
            expired = acks.expire(leader == null ? lastKnownHighWatermark : leader.highWatermark());
        }
        expired.forEach(Runnable::run);
    }

    /**
     * The high watermark, for a caller that must reach the leader under {@code currentLeaderEpoch}
     * (-1: any epoch).
     *
     * @throws ReplicationException NOT_LEADER, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
     */
    public synchronized long leaderHighWatermark(int currentLeaderEpoch) {
        ReadRefusals.checkLeaderEpoch(requireLeader().leaderEpoch(), currentLeaderEpoch);
        return leader.highWatermark();
    }

    /**
     * The leader records a follower's position from its ReplicaFetch under
     * {@code currentLeaderEpoch}, which may move the HW (and complete acks=all waits); the answer
     * is read by {@link LeaderReads#replicaFetch}.
     *
     * @return the high watermark after it
     * @throws ReplicationException NOT_LEADER, FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH
     */
    public long onFollowerFetch(int replicaId, long fetchOffset, long durableEndOffset, int currentLeaderEpoch) {
        List<Runnable> fire = List.of();
        long hw;
        synchronized (this) {
            LeaderReplicaState current = requireLeader();
            ReadRefusals.checkLeaderEpoch(current.leaderEpoch(), currentLeaderEpoch);
            if (current.onFollowerFetch(replicaId, fetchOffset, durableEndOffset, log.logEndOffset(), clock.millis())) {
                fire = highWatermarkMoved();
            }
            hw = current.highWatermark();
        }
        fire.forEach(Runnable::run);
        return hw;
    }

    /** Where this replica stands as a follower, or empty when it does not follow. */
    public synchronized Optional<FollowerPosition> followerPosition() {
        if (follower == null || closedWith != null) {
            return Optional.empty();
        }
        return Optional.of(new FollowerPosition(state.leader(), follower.leaderEpoch(), follower.fetchOffset(),
                follower.durableEndOffset(), follower.lastFetchedEpoch()));
    }

    /**
     * Applies the leader's answer to a ReplicaFetch sent under {@code leaderEpoch}: truncates on
     * divergence, else appends the batches and adopts the leader's HW and log start offset
     * ({@link FollowerReplica#applyFetched}). Ignored (false) when this replica no longer follows
     * under that epoch, so a stale answer never touches a log that has become a leader's. Held
     * under the monitor so role changes wait for it.
     */
    public synchronized boolean applyFromLeader(int leaderEpoch, ByteBuffer records, long leaderHighWatermark,
                                                long leaderLogStartOffset, Optional<EpochEndOffset> diverging) {
        if (closedWith != null || follower == null || follower.leaderEpoch() != leaderEpoch) {
            return false;
        }
        if (diverging.isPresent()) {
            follower.truncateOnDivergence(diverging.get());
        } else {
            follower.applyFetched(records, leaderHighWatermark, leaderLogStartOffset);
        }
        return true;
    }

    /**
     * Applies the leader's OFFSET_OUT_OF_RANGE answer to a ReplicaFetch sent under
     * {@code leaderEpoch}: see {@link FollowerReplica#restartBelowLeaderLogStart}. Ignored (false)
     * when this replica no longer follows under that epoch; held under the monitor like
     * {@link #applyFromLeader}.
     */
    public synchronized boolean restartBelowLeaderLogStart(int leaderEpoch, long leaderLogStartOffset) {
        if (closedWith != null || follower == null || follower.leaderEpoch() != leaderEpoch) {
            return false;
        }
        return follower.restartBelowLeaderLogStart(leaderLogStartOffset);
    }

    /**
     * The ISR this leader should propose now (shrink laggards, add caught-up followers), or empty
     * when it should stay; with the partition state it is based on.
     */
    public synchronized Optional<IsrProposal> isrProposal() {
        if (leader == null) {
            return Optional.empty();
        }
        List<Integer> proposed = leader.proposedIsr(clock.millis());
        if (proposed.equals(leader.isr())) {
            return Optional.empty();
        }
        return Optional.of(new IsrProposal(topicPartition, leader.leaderEpoch(), leader.partitionEpoch(), proposed));
    }

    /** The leader epoch this replica is in, -1 before any assignment. */
    public synchronized int leaderEpoch() {
        return state == null ? -1 : state.leaderEpoch();
    }

    /**
     * Runs {@code listener} once, the next time something a waiting reader cares about happens:
     * the leader appended, the HW moved, or the role changed.
     */
    public synchronized void onNextChange(Runnable listener) {
        changeListeners.add(listener);
    }

    /** Forgets a listener added with {@link #onNextChange} that is no longer wanted. */
    public synchronized void removeChangeListener(Runnable listener) {
        changeListeners.remove(listener);
    }

    /** Answers pending acks=all waits with NOT_LEADER, stops their timer and closes the log. */
    @Override
    public void close() {
        close(ErrorCode.NOT_LEADER, "the replica of " + topicPartition + " on this broker was closed");
    }

    /**
     * Closes a replica whose log directory went offline: pending acks=all waits fail with
     * STORAGE_ERROR (their records may not be on disk here), then as {@link #close()}.
     */
    public void closeOffline(String why) {
        close(ErrorCode.STORAGE_ERROR, why);
    }

    private void close(ErrorCode waitersGet, String why) {
        List<Runnable> fire = new ArrayList<>();
        synchronized (this) {
            if (closedWith != null) {
                return;
            }
            closedWith = new ReplicationException(waitersGet, why);
            fire.addAll(failWaiters(waitersGet, why));
            leader = null;
            follower = null;
            fire.addAll(takeListeners());
        }
        fire.forEach(Runnable::run);
        log.close();
    }

    private LeaderReplicaState requireLeader() {
        if (closedWith != null || leader == null) {
            throw new ReplicationException(ErrorCode.NOT_LEADER, "broker " + brokerId + " does not lead "
                    + topicPartition);
        }
        return leader;
    }

    /** The acks=all waits the HW passed and the one-shot listeners, to run outside the monitor. */
    private List<Runnable> highWatermarkMoved() {
        List<Runnable> fire = new ArrayList<>(completeAcks());
        fire.addAll(takeListeners());
        return fire;
    }

    private List<Runnable> completeAcks() {
        lastKnownHighWatermark = leader.highWatermark();
        return acks.completeUpTo(leader.highWatermark());
    }

    private List<Runnable> takeListeners() {
        List<Runnable> fire = List.copyOf(changeListeners);
        changeListeners.clear();
        return fire;
    }

    /** Takes the pending acks=all waits out, failed with {@code code}, to run outside the monitor. */
    private List<Runnable> failWaiters(ErrorCode code, String why) {
        if (leader != null) {
            lastKnownHighWatermark = leader.highWatermark();
        }
        return acks.close(code, why);
    }

    private void ensureOpen() {
        if (closedWith != null) {
            throw new IllegalStateException("the replica of " + topicPartition + " is closed");
        }
    }
}
