package io.wharf.client.consumer;

import io.wharf.record.Header;
import java.util.List;

/**
 * A record read from a partition. Immutable.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset its offset
 * @param timestamp its timestamp (create time, or log-append time when the topic uses it)
 * @param key the key, or null
 * @param value the value, or null
 * @param headers headers in order
 */
public record ConsumerRecord(String topic, int partition, long offset, long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {
}
