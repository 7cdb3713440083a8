package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import java.util.List;

/**
 * An ISR change a leader wants the controller to make, with the epochs it is based on (the
 * compare-and-set of AlterPartition). Immutable.
 */
public record IsrProposal(TopicPartition topicPartition, int leaderEpoch, int partitionEpoch, List<Integer> newIsr) {

    public IsrProposal {
        newIsr = List.copyOf(newIsr);
    }
}
