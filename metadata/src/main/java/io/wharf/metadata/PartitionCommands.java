package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.MetadataRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Turns AlterPartition, a leader's compare-and-set of its partition's ISR, into a record. Stateless. */
final class PartitionCommands {

    private PartitionCommands() {
    }

    static String itemName(String topic, int partition) {
        return topic + "-" + partition;
    }

    /**
     * Sets the ISR the leader proposes, kept in replica order; leader and leader epoch stay, the
     * partition epoch goes up by one. Proposing the current ISR changes nothing and answers the
     * current state.
     */
    static CommandOutcome alter(MetadataImage image, AlterPartitionCommand command, long offset) {
        String item = itemName(command.getTopic(), command.getPartition());
        Optional<Error> error = StatelessChecks.alterPartition(command)
                .or(() -> BrokerCommands.registrationError(image, command.getBrokerId(), command.getBrokerEpoch()));
        if (error.isPresent()) {
            return BrokerCommands.rejection(item, error.get(), offset);
        }
        Optional<PartitionState> found = image.topic(command.getTopic())
                .flatMap(topic -> topic.partition(command.getPartition()));
        if (found.isEmpty()) {
            ErrorCode code = image.topic(command.getTopic()).isPresent()
                    ? ErrorCode.UNKNOWN_PARTITION : ErrorCode.UNKNOWN_TOPIC;
            return BrokerCommands.rejection(item, Errors.of(code, "partition " + item + " does not exist"), offset);
        }
        PartitionState current = found.get();
        error = conflict(image, command, current);
        if (error.isPresent()) {
            CommandResult result = CommandResult.newBuilder()
                    .setOffset(offset)
                    .addItems(Errors.failed(item, error.get()))
                    .setPartition(MetadataViews.toPartitionInfo(current))
                    .build();
            return new CommandOutcome(List.of(), result);
        }
        List<Integer> newIsr = inReplicaOrder(current.replicas(), command.getNewIsrList());
        Optional<MetadataRecord> change = LeadershipChanges.change(command.getTopic(), current, current.leader(), newIsr);
        PartitionState after = change.isPresent()
                ? current.withChange(current.leader(), newIsr, current.leaderEpoch(), current.partitionEpoch() + 1)
                : current;
        CommandResult result = CommandResult.newBuilder()
                .setOffset(offset)
                .addItems(Errors.ok(item))
                .setPartition(MetadataViews.toPartitionInfo(after))
                .build();
        return new CommandOutcome(change.stream().toList(), result);
    }

    /** Why the proposal does not fit the partition's current state, or empty when it does. */
    private static Optional<Error> conflict(MetadataImage image, AlterPartitionCommand command, PartitionState current) {
        String item = itemName(command.getTopic(), command.getPartition());
        int broker = command.getBrokerId();
        if (command.getLeaderEpoch() != current.leaderEpoch()) {
            return Optional.of(Errors.of(ErrorCode.FENCED_LEADER_EPOCH, "AlterPartition for " + item
                    + " has leader epoch " + command.getLeaderEpoch() + " but the current one is "
                    + current.leaderEpoch() + "; refresh metadata"));
        }
        if (current.leader() != broker) {
            Error notLeader = Errors.of(ErrorCode.NOT_LEADER, "broker " + broker + " is not the leader of "
                    + item + "; its leader is " + current.leader());
            return Optional.of(notLeader.toBuilder().setLeaderId(current.leader()).build());
        }
        if (command.getPartitionEpoch() != current.partitionEpoch()) {
            return Optional.of(Errors.of(ErrorCode.STALE_PARTITION_EPOCH, "AlterPartition for " + item
                    + " has partition epoch " + command.getPartitionEpoch() + " but the current one is "
                    + current.partitionEpoch() + "; refresh metadata and propose again"));
        }
        List<Integer> proposed = command.getNewIsrList();
        if (!current.replicas().containsAll(proposed)) {
            return Optional.of(Errors.of(ErrorCode.INVALID_REQUEST, "proposed ISR " + proposed + " of " + item
                    + " is not a subset of its replicas " + current.replicas()));
        }
        if (!proposed.contains(broker)) {
            return Optional.of(Errors.of(ErrorCode.INVALID_REQUEST, "proposed ISR " + proposed + " of " + item
                    + " leaves out its leader " + broker));
        }
        for (int replica : proposed) {
            if (!current.isr().contains(replica) && !image.isActive(replica)) {
                return Optional.of(Errors.of(ErrorCode.INVALID_REQUEST, "proposed ISR " + proposed + " of " + item
                        + " adds broker " + replica + ", which is not active"));
            }
        }
        return Optional.empty();
    }

    private static List<Integer> inReplicaOrder(List<Integer> replicas, List<Integer> members) {
        List<Integer> ordered = new ArrayList<>();
        for (int replica : replicas) {
            if (members.contains(replica)) {
                ordered.add(replica);
            }
        }
        return ordered;
    }
}
