package io.wharf.replication.replica;

import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's replication state for one partition under one leader epoch: the ISR as the
 * controller last confirmed it, each follower's {@link ReplicaProgress}, and the high watermark,
 * which is the minimum durable end offset over the ISR and never goes backwards. It proposes ISR
 * shrinks (a member not caught up for {@code replica.lag.time.max.ms}) and expansions (a
 * follower that reached the HW and the start of this leader epoch), and gates appends on
 * {@code min.insync.replicas}. Time is passed in; no I/O.
 *
 * <p>Not thread-safe: owned by one partition, whose lock callers hold.
 */
public final class LeaderReplicaState {

    private final int leaderId;
    private final int leaderEpoch;
    private final long epochStartOffset;
    private final List<Integer> replicas;
    private int minInsyncReplicas;
    private final long lagTimeMaxMs;
    private final Map<Integer, ReplicaProgress> followers = new TreeMap<>();
    private List<Integer> isr;
    private int partitionEpoch;
    private long highWatermark;
    private long leaderDurableEnd;

    /**
     * @param epochStartOffset the leader's log end offset when it took this epoch
     * @param highWatermark    the HW the new leader starts from (its own, ≤ its log end offset)
     * @param leaderDurableEnd the leader's durable end offset now
     */
    public LeaderReplicaState(int leaderId, int leaderEpoch, long epochStartOffset, List<Integer> replicas,
                              List<Integer> isr, int partitionEpoch, int minInsyncReplicas, long lagTimeMaxMs,
                              long highWatermark, long leaderDurableEnd, long nowMs) {
        if (!isr.contains(leaderId)) {
            throw new IllegalArgumentException("leader " + leaderId + " is not in ISR " + isr);
        }
        this.leaderId = leaderId;
        this.leaderEpoch = leaderEpoch;
        this.epochStartOffset = epochStartOffset;
        this.replicas = List.copyOf(replicas);
        this.isr = List.copyOf(isr);
        this.partitionEpoch = partitionEpoch;
        this.minInsyncReplicas = minInsyncReplicas;
        this.lagTimeMaxMs = lagTimeMaxMs;
        this.highWatermark = highWatermark;
        this.leaderDurableEnd = leaderDurableEnd;
        for (int replica : this.replicas) {
            if (replica != leaderId) {
                followers.put(replica, ReplicaProgress.unknown(replica, nowMs));
            }
        }
        recomputeHighWatermark();
    }

    public int leaderEpoch() {
        return leaderEpoch;
    }

    public int partitionEpoch() {
        return partitionEpoch;
    }

    public List<Integer> isr() {
        return isr;
    }

    public List<Integer> replicas() {
        return replicas;
    }

    public long highWatermark() {
        return highWatermark;
    }

    /** The follower's progress, or null when {@code replicaId} is not a follower of this partition. */
    public ReplicaProgress progress(int replicaId) {
        return followers.get(replicaId);
    }

    /**
     * Records a follower's fetch.
     *
     * @param leaderEndOffset the leader's log end offset when the fetch arrived
     * @return true when the high watermark moved
     * @throws ReplicationException INVALID_REQUEST when {@code replicaId} holds no replica
     */
    public boolean onFollowerFetch(int replicaId, long fetchOffset, long durableEndOffset, long leaderEndOffset,
                                   long nowMs) {
        ReplicaProgress before = followers.get(replicaId);
        if (before == null) {
            throw new ReplicationException(ErrorCode.INVALID_REQUEST, "broker " + replicaId
                    + " holds no replica of this partition (replicas " + replicas + ")");
        }
        followers.put(replicaId, before.afterFetch(fetchOffset, durableEndOffset, leaderEndOffset, nowMs));
        return recomputeHighWatermark();
    }

    /** Records that the leader's own durable end offset moved; true when the high watermark moved. */
    public boolean onLeaderDurableEnd(long durableEnd) {
        leaderDurableEnd = Math.max(leaderDurableEnd, durableEnd);
        return recomputeHighWatermark();
    }

    /**
     * Adopts the ISR the controller confirmed (AlterPartition answer or a metadata update) with
     * its partition epoch; an older partition epoch is ignored. True when the HW moved.
     */
    public boolean onIsrChanged(List<Integer> newIsr, int newPartitionEpoch) {
        if (newPartitionEpoch < partitionEpoch) {
            return false;
        }
        isr = List.copyOf(newIsr);
        partitionEpoch = newPartitionEpoch;
        return recomputeHighWatermark();
    }

    /**
     * ISR members (never the leader) not caught up to the leader's log end offset within the
     * last {@code replica.lag.time.max.ms}.
     */
    public Set<Integer> shrinkCandidates(long nowMs) {
        Set<Integer> out = new LinkedHashSet<>();
        for (int member : isr) {
            ReplicaProgress progress = followers.get(member);
            if (member != leaderId && progress != null && nowMs - progress.lastCaughtUpTimeMs() > lagTimeMaxMs) {
                out.add(member);
            }
        }
        return out;
    }

    /**
     * Replicas outside the ISR that are back in sync (Kafka's rule): their log reaches the high
     * watermark and the start offset of this leader epoch, and they caught up recently.
     */
    public Set<Integer> expandCandidates(long nowMs) {
        Set<Integer> out = new LinkedHashSet<>();
        for (ReplicaProgress progress : followers.values()) {
            if (!isr.contains(progress.replicaId()) && progress.fetchOffset() >= highWatermark
                    && progress.fetchOffset() >= epochStartOffset
                    && nowMs - progress.lastCaughtUpTimeMs() <= lagTimeMaxMs) {
                out.add(progress.replicaId());
            }
        }
        return out;
    }

    /**
     * The ISR to propose now: the current one minus shrink candidates plus expand candidates, in
     * replica order; equal to {@link #isr()} when nothing should change.
     */
    public List<Integer> proposedIsr(long nowMs) {
        Set<Integer> shrink = shrinkCandidates(nowMs);
        Set<Integer> expand = expandCandidates(nowMs);
        List<Integer> proposal = new ArrayList<>();
        for (int replica : replicas) {
            if ((isr.contains(replica) && !shrink.contains(replica)) || expand.contains(replica)) {
                proposal.add(replica);
            }
        }
        return Collections.unmodifiableList(proposal);
    }

    /**
     * Adopts a changed {@code min.insync.replicas} (an AlterConfigs of the topic): the next
     * acks=all append is checked against it.
     */
    public void updateMinInsyncReplicas(int newMinInsyncReplicas) {
        minInsyncReplicas = newMinInsyncReplicas;
    }

    /** The {@code min.insync.replicas} acks=all appends are checked against. */
    public int minInsyncReplicas() {
        return minInsyncReplicas;
    }

    /**
     * Refuses an append (NOT_ENOUGH_REPLICAS, nothing should be appended) when the ISR is smaller
     * than {@code min.insync.replicas}. Kafka applies this to acks=all only; so do callers.
     */
    public void checkEnoughReplicas() {
        if (isr.size() < minInsyncReplicas) {
            throw new ReplicationException(ErrorCode.NOT_ENOUGH_REPLICAS, "the in-sync replicas " + isr
                    + " are fewer than min.insync.replicas=" + minInsyncReplicas + "; nothing was appended");
        }
    }

    private boolean recomputeHighWatermark() {
        long candidate = leaderDurableEnd;
        for (int member : isr) {
            if (member != leaderId) {
                ReplicaProgress progress = followers.get(member);
                candidate = Math.min(candidate, progress == null ? -1 : progress.durableEndOffset());
            }
        }
        if (candidate > highWatermark) {
            highWatermark = candidate;
            return true;
        }
        return false;
    }
}
