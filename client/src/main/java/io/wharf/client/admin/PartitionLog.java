package io.wharf.client.admin;

import io.wharf.client.TopicPartition;
import java.util.OptionalDouble;

/**
 * One partition's log as its leader describes it (broker {@code DescribeLogs}). Immutable.
 *
 * @param leaderId         the broker that answered, leading the partition
 * @param highWatermark    the end of what consumers can read
 * @param sizeBytes        bytes in all its segments on the leader
 * @param cleanupPolicy    {@code delete}, {@code compact} or {@code compact,delete}
 * @param firstDirtyOffset where the part the log cleaner has not compacted yet begins; -1 unless
 *                         the policy compacts
 * @param dirtyRatio       that part's share of the bytes the cleaner may compact; empty unless
 *                         the policy compacts
 */
public record PartitionLog(TopicPartition partition, int leaderId, long logStartOffset, long logEndOffset,
                           long highWatermark, long sizeBytes, int segmentCount, String cleanupPolicy,
                           long firstDirtyOffset, OptionalDouble dirtyRatio) {
}
