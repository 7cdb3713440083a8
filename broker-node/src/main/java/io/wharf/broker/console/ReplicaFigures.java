package io.wharf.broker.console;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.replication.log.Log;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The log figures of the replicas this broker hosts, taken at one moment. Immutable.
 *
 * @param takenAtMs when they were read (wall clock)
 */
record ReplicaFigures(Map<TopicPartition, Replica> replicas, long takenAtMs) {

    /** One hosted replica's log: offsets and bytes on this broker's disk. */
    record Replica(long logStartOffset, long logEndOffset, long sizeBytes) {
    }

    ReplicaFigures {
        replicas = Map.copyOf(replicas);
    }

    static ReplicaFigures none() {
        return new ReplicaFigures(Map.of(), 0);
    }

    /** Reads the logs of {@code hosted} now. */
    static ReplicaFigures read(List<Partition> hosted, long nowMs) {
        Map<TopicPartition, Replica> replicas = new HashMap<>();
        for (Partition partition : hosted) {
            Log log = partition.log();
            replicas.put(partition.topicPartition(),
                    new Replica(log.logStartOffset(), log.logEndOffset(), log.sizeInBytes()));
        }
        return new ReplicaFigures(replicas, nowMs);
    }

    /**
     * Records appended per second to each replica between {@code earlier} and these figures; a
     * replica missing from either, or a log that went back (truncated, restarted), has no rate.
     */
    Map<TopicPartition, Double> ratesSince(ReplicaFigures earlier) {
        long elapsedMs = takenAtMs - earlier.takenAtMs;
        if (elapsedMs <= 0) {
            return Map.of();
        }
        Map<TopicPartition, Double> rates = new HashMap<>();
        replicas.forEach((partition, now) -> {
            Replica then = earlier.replicas.get(partition);
            if (then != null && now.logEndOffset() >= then.logEndOffset()) {
                rates.put(partition, (now.logEndOffset() - then.logEndOffset()) * 1000.0 / elapsedMs);
            }
        });
        return Map.copyOf(rates);
    }
}
