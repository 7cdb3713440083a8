package io.wharf.client;

/**
 * One partition of a topic. Immutable.
 *
 * @param topic topic name
 * @param partition partition number, from 0
 */
public record TopicPartition(String topic, int partition) {

    @Override
    public String toString() {
        return topic + "-" + partition;
    }
}
