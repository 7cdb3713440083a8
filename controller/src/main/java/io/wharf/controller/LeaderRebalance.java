package io.wharf.controller;

import io.wharf.metadata.PreferredLeaders;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.ControllerCommand;
import io.wharf.proto.metadata.ElectPreferredLeadersCommand;
import io.wharf.proto.metadata.ItemResult;
import io.wharf.proto.metadata.PartitionRef;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The active controller's periodic leader rebalance (Kafka's auto.leader.rebalance): when a
 * broker leads too few of the partitions it is the preferred replica of, elects it for those it
 * can lead again. One election at a time; {@link #check} is called by the owner's scheduler.
 * Thread-safe.
 */
final class LeaderRebalance {

    private static final Logger LOG = LoggerFactory.getLogger(LeaderRebalance.class);

    private final int nodeId;
    private final AppliedMetadata applied;
    private final Function<ControllerCommand, CompletableFuture<CommandResult>> submit;
    private final double maxImbalance;
    private final AtomicBoolean inFlight = new AtomicBoolean();

    LeaderRebalance(int nodeId, AppliedMetadata applied,
                    Function<ControllerCommand, CompletableFuture<CommandResult>> submit, double maxImbalance) {
        this.nodeId = nodeId;
        this.applied = applied;
        this.submit = submit;
        this.maxImbalance = maxImbalance;
    }

    /** Submits one preferred-leader election if the current image is imbalanced and none is in flight. */
    void check() {
        List<PartitionRef> moves = PreferredLeaders.imbalanced(applied.image(), maxImbalance);
        if (moves.isEmpty() || !inFlight.compareAndSet(false, true)) {
            return;
        }
        LOG.info("Controller {}: leaders are imbalanced; electing the preferred replicas of {}", nodeId,
                moves.stream().map(ref -> ref.getTopic() + "-" + ref.getPartition()).collect(Collectors.joining(", ")));
        ControllerCommand command = ControllerCommand.newBuilder().setElectPreferredLeaders(
                ElectPreferredLeadersCommand.newBuilder().addAllPartitions(moves)).build();
        submit.apply(command).whenComplete((result, failure) -> {
            inFlight.set(false);
            if (failure != null) {
                LOG.warn("Controller {}: the preferred-leader election failed; the next check retries: {}", nodeId,
                        failure.toString());
                return;
            }
            for (ItemResult item : result.getItemsList()) {
                if (item.hasError() && item.getError().getCodeValue() != 0) {
                    // the image moved on between the check and the commit (a broker fell out of the ISR)
                    LOG.info("Controller {}: {} kept its leader: {} {}", nodeId, item.getName(),
                            item.getError().getCode(), item.getError().getMessage());
                }
            }
        });
    }
}
