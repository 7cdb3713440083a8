package io.wharf.metadata;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The replicated state of one partition: where its replicas live, which of them are in sync, who
 * leads and the two epochs that order changes. Immutable.
 *
 * @param partition      the partition index (>= 0)
 * @param replicas       the brokers holding a replica, the first being the preferred leader
 * @param isr            the in-sync replicas, a non-empty subset of {@code replicas}
 * @param leader         the leading broker, a member of {@code isr}, or {@link #NO_LEADER}
 * @param leaderEpoch    incremented whenever the leader changes
 * @param partitionEpoch incremented on every change of leader or ISR
 */
public record PartitionState(int partition, List<Integer> replicas, List<Integer> isr, int leader,
                             int leaderEpoch, int partitionEpoch) {

    /** The leader value of a partition that no replica can lead right now. */
    public static final int NO_LEADER = -1;

    public PartitionState {
        replicas = List.copyOf(replicas);
        isr = List.copyOf(isr);
    }

    /** True when a leader is elected. */
    public boolean hasLeader() {
        return leader != NO_LEADER;
    }

    /** This partition with a new leader, ISR and epochs; the replicas stay. */
    public PartitionState withChange(int newLeader, List<Integer> newIsr, int newLeaderEpoch,
                                     int newPartitionEpoch) {
        return new PartitionState(partition, replicas, newIsr, newLeader, newLeaderEpoch, newPartitionEpoch);
    }

    /**
     * What breaks the structural invariants (replicas non-empty and distinct, ISR a non-empty
     * duplicate-free subset of the replicas, leader in the ISR or none, epochs not negative), or
     * empty when they hold.
     */
    public Optional<String> structuralProblem() {
        if (partition < 0) {
            return Optional.of("partition index " + partition + " is negative");
        }
        if (replicas.isEmpty()) {
            return Optional.of("replicas are empty");
        }
        if (new HashSet<>(replicas).size() != replicas.size()) {
            return Optional.of("replicas " + replicas + " contain a duplicate");
        }
        if (isr.isEmpty()) {
            return Optional.of("ISR is empty");
        }
        Set<Integer> isrSet = new HashSet<>(isr);
        if (isrSet.size() != isr.size()) {
            return Optional.of("ISR " + isr + " contains a duplicate");
        }
        if (!replicas.containsAll(isrSet)) {
            return Optional.of("ISR " + isr + " is not a subset of replicas " + replicas);
        }
        if (leader != NO_LEADER && !isrSet.contains(leader)) {
            return Optional.of("leader " + leader + " is not in ISR " + isr);
        }
        if (leaderEpoch < 0 || partitionEpoch < 0) {
            return Optional.of("negative epoch (leaderEpoch " + leaderEpoch + ", partitionEpoch "
                    + partitionEpoch + ")");
        }
        return Optional.empty();
    }
}
