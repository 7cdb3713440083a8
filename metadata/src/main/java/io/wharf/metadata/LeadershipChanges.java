package io.wharf.metadata;

import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.PartitionChangeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;

/**
 * The partition changes a broker's fencing or unfencing causes: leader election from the ISR and
 * ISR shrinking. Stateless.
 */
final class LeadershipChanges {

    private LeadershipChanges() {
    }

    /**
     * The changes that take {@code brokerId} out of service: it leaves every ISR it is in, unless
     * it is the last member (the last in-sync copy must stay known), and every partition it led
     * gets the first replica, in replica order, that is in the new ISR and active, or no leader.
     * The broker counts as fenced whatever {@code image} says.
     */
    static List<MetadataRecord> removeBroker(MetadataImage image, int brokerId) {
        IntPredicate canLead = id -> id != brokerId && image.isActive(id);
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                if (!partition.isr().contains(brokerId)) {
                    continue;
                }
                List<Integer> newIsr = partition.isr();
                if (newIsr.size() > 1) {
                    newIsr = new ArrayList<>(newIsr);
                    newIsr.remove(Integer.valueOf(brokerId));
                }
                int newLeader = partition.leader() == brokerId || !partition.hasLeader()
                        ? electLeader(partition.replicas(), newIsr, canLead)
                        : partition.leader();
                change(topic.name(), partition, newLeader, newIsr).ifPresent(records::add);
            }
        }
        return records;
    }

    /** The changes that give a leader to every leaderless partition that {@code brokerId}, now active, can lead. */
    static List<MetadataRecord> electLeaderless(MetadataImage image, int brokerId) {
        IntPredicate canLead = id -> id == brokerId || image.isActive(id);
        List<MetadataRecord> records = new ArrayList<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                if (partition.hasLeader() || !partition.isr().contains(brokerId)) {
                    continue;
                }
                int newLeader = electLeader(partition.replicas(), partition.isr(), canLead);
                change(topic.name(), partition, newLeader, partition.isr()).ifPresent(records::add);
            }
        }
        return records;
    }

    /** The first replica in replica order that is in {@code isr} and may lead, else no leader. */
    static int electLeader(List<Integer> replicas, List<Integer> isr, IntPredicate canLead) {
        for (int replica : replicas) {
            if (isr.contains(replica) && canLead.test(replica)) {
                return replica;
            }
        }
        return PartitionState.NO_LEADER;
    }

    /**
     * The record that moves {@code partition} to the new leader and ISR, bumping the leader epoch
     * when the leader changes and the partition epoch on any change; empty when nothing changes.
     */
    static Optional<MetadataRecord> change(String topic, PartitionState partition, int newLeader,
                                                     List<Integer> newIsr) {
        boolean leaderChanged = newLeader != partition.leader();
        if (!leaderChanged && newIsr.equals(partition.isr())) {
            return Optional.empty();
        }
        PartitionChangeRecord change = PartitionChangeRecord.newBuilder()
                .setTopic(topic)
                .setPartition(partition.partition())
                .setLeader(newLeader)
                .addAllIsr(newIsr)
                .setLeaderEpoch(leaderChanged ? partition.leaderEpoch() + 1 : partition.leaderEpoch())
                .setPartitionEpoch(partition.partitionEpoch() + 1)
                .build();
        return Optional.of(MetadataRecord.newBuilder().setPartitionChange(change).build());
    }
}
