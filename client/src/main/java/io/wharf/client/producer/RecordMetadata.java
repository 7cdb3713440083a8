package io.wharf.client.producer;

/**
 * Where an acknowledged record landed. Immutable.
 *
 * @param topic the topic
 * @param partition the partition
 * @param offset its offset, or -1 with {@code acks=0} (the leader does not report one)
 * @param timestamp its create timestamp
 */
public record RecordMetadata(String topic, int partition, long offset, long timestamp) {
}
