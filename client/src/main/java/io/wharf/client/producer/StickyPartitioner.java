package io.wharf.client.producer;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;

/**
 * Chooses partitions for records without an explicit one: keyed records by
 * {@link Murmur2#partitionForKey}, null-keyed records all to one "sticky" partition per topic
 * until a batch for it fills or is sent, then to another one at random (Kafka's sticky
 * partitioning: fuller batches, lower latency). Thread-safe.
 */
final class StickyPartitioner {

    private final Map<String, Integer> sticky = new ConcurrentHashMap<>();
    private final RandomGenerator random;

    StickyPartitioner(RandomGenerator random) {
        this.random = random;
    }

    int partition(String topic, byte[] key, int numPartitions) {
        if (key != null) {
            return Murmur2.partitionForKey(key, numPartitions);
        }
        return sticky.compute(topic, (t, current) -> current == null || current >= numPartitions
                ? random.nextInt(numPartitions) : current);
    }

    /** A new batch is about to be started on {@code previous}: move the topic's sticky partition elsewhere. */
    void onNewBatch(String topic, int previous, int numPartitions) {
        if (numPartitions < 2) {
            return;
        }
        sticky.compute(topic, (t, current) -> {
            if (current != null && current != previous) {
                return current;
            }
            int next = random.nextInt(numPartitions - 1);
            return next >= previous ? next + 1 : next;
        });
    }
}
