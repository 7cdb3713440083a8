package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ElectPreferredLeadersCommand;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.PartitionRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Preferred-replica leader election, as Kafka's: a partition's preferred leader is the first of
 * its replicas, and placement spreads those evenly, so moving leadership back to them after
 * failovers spreads the load again. Stateless and deterministic.
 */
public final class PreferredLeaders {

    private PreferredLeaders() {
    }

    /**
     * Elects the preferred replica of each named partition (every partition when none is named)
     * where it is active, in the ISR and not leading yet. A named partition that cannot move gets
     * its reason: unknown, ELECTION_NOT_NEEDED, or PREFERRED_LEADER_NOT_AVAILABLE. When every
     * partition is meant, only the moves are answered.
     */
    static CommandOutcome elect(MetadataImage image, ElectPreferredLeadersCommand command, long offset) {
        List<MetadataRecord> records = new ArrayList<>();
        CommandResult.Builder result = CommandResult.newBuilder().setOffset(offset);
        if (command.getPartitionsCount() == 0) {
            for (TopicImage topic : image.topics().values()) {
                for (PartitionState partition : topic.partitions().values()) {
                    if (problem(image, topic.name(), partition).isEmpty()) {
                        records.add(moveToPreferred(topic.name(), partition));
                        result.addItems(Errors.ok(PartitionCommands.itemName(topic.name(), partition.partition())));
                    }
                }
            }
            return new CommandOutcome(records, result.build());
        }
        for (PartitionRef ref : command.getPartitionsList()) {
            String item = PartitionCommands.itemName(ref.getTopic(), ref.getPartition());
            Optional<TopicImage> topic = image.topic(ref.getTopic());
            Optional<PartitionState> partition = topic.flatMap(t -> t.partition(ref.getPartition()));
            Optional<Error> error = partition.isEmpty()
                    ? Optional.of(Errors.of(topic.isPresent() ? ErrorCode.UNKNOWN_PARTITION : ErrorCode.UNKNOWN_TOPIC,
                            "partition " + item + " does not exist"))
                    : problem(image, ref.getTopic(), partition.get());
            if (error.isPresent()) {
                result.addItems(Errors.failed(item, error.get()));
            } else {
                records.add(moveToPreferred(ref.getTopic(), partition.get()));
                result.addItems(Errors.ok(item));
            }
        }
        return new CommandOutcome(records, result.build());
    }

    /**
     * The partitions a periodic rebalance should move: for each broker whose share of preferred
     * partitions it does not lead is above {@code maxImbalance} (Kafka's
     * leader.imbalance.per.broker.percentage / 100), those of its preferred partitions it could
     * lead now. Sorted by topic, then partition; empty when the leaders are balanced enough.
     */
    public static List<PartitionRef> imbalanced(MetadataImage image, double maxImbalance) {
        Map<Integer, Integer> preferredCount = new TreeMap<>();
        Map<Integer, List<PartitionRef>> movable = new TreeMap<>();
        Map<Integer, Integer> notLeading = new TreeMap<>();
        for (TopicImage topic : new TreeMap<>(image.topics()).values()) {
            for (PartitionState partition : topic.partitions().values()) {
                if (partition.replicas().isEmpty()) {
                    continue;
                }
                int preferred = partition.replicas().get(0);
                preferredCount.merge(preferred, 1, Integer::sum);
                if (partition.leader() != preferred) {
                    notLeading.merge(preferred, 1, Integer::sum);
                    if (problem(image, topic.name(), partition).isEmpty()) {
                        movable.computeIfAbsent(preferred, b -> new ArrayList<>()).add(PartitionRef.newBuilder()
                                .setTopic(topic.name()).setPartition(partition.partition()).build());
                    }
                }
            }
        }
        List<PartitionRef> moves = new ArrayList<>();
        notLeading.forEach((broker, count) -> {
            if ((double) count / preferredCount.get(broker) > maxImbalance) {
                moves.addAll(movable.getOrDefault(broker, List.of()));
            }
        });
        moves.sort((a, b) -> a.getTopic().equals(b.getTopic()) ? Integer.compare(a.getPartition(), b.getPartition())
                : a.getTopic().compareTo(b.getTopic()));
        return moves;
    }

    /** Why {@code partition}'s preferred replica cannot take over now, or empty when it can. */
    private static Optional<Error> problem(MetadataImage image, String topic, PartitionState partition) {
        String item = PartitionCommands.itemName(topic, partition.partition());
        if (partition.replicas().isEmpty()) {
            return Optional.of(Errors.of(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, item + " has no replicas"));
        }
        int preferred = partition.replicas().get(0);
        if (partition.leader() == preferred) {
            return Optional.of(Errors.of(ErrorCode.ELECTION_NOT_NEEDED, "broker " + preferred
                    + ", the preferred replica of " + item + ", already leads it"));
        }
        if (!partition.isr().contains(preferred) || !image.isActive(preferred)) {
            return Optional.of(Errors.of(ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, "broker " + preferred
                    + ", the preferred replica of " + item + ", is " + (image.isActive(preferred) ? "" : "not active and ")
                    + (partition.isr().contains(preferred) ? "in" : "not in") + " the ISR " + partition.isr()
                    + "; elect it once it has caught up"));
        }
        return Optional.empty();
    }

    private static MetadataRecord moveToPreferred(String topic, PartitionState partition) {
        return LeadershipChanges.change(topic, partition, partition.replicas().get(0), partition.isr())
                .orElseThrow(() -> new IllegalStateException("a leader change always changes the partition"));
    }
}
