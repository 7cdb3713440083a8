package io.wharf.broker.partition;

import io.wharf.broker.TopicPartition;
import io.wharf.replication.log.CleanResult;

/**
 * Told what the broker's log cleaner does, on its thread (the broker's metrics listen). Calls
 * come one at a time; implementations must be quick and must not call back into the partitions.
 */
public interface CleaningListener {

    /**
     * A round measured every hosted compacted log.
     *
     * @param maxDirtyRatio the highest dirty ratio among them; 0 when there is none
     */
    void measured(double maxDirtyRatio);

    /**
     * A cleaning of {@code partition}'s log compacted it further.
     *
     * @param nanos how long it took, throttling included
     */
    void cleaned(TopicPartition partition, CleanResult result, long nanos);
}
