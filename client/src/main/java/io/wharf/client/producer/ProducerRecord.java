package io.wharf.client.producer;

import io.wharf.record.Header;
import java.util.List;

/**
 * A record to send. Immutable (the byte arrays are the caller's; do not change them after send).
 *
 * @param topic the topic
 * @param partition the partition, or null to let the partitioner choose (by key hash, or sticky for null keys)
 * @param timestamp create time in ms since the epoch, or null for the producer's clock at send
 * @param key nullable key
 * @param value nullable value
 * @param headers headers in order
 */
public record ProducerRecord(String topic, Integer partition, Long timestamp, byte[] key, byte[] value,
                             List<Header> headers) {

    public ProducerRecord {
        if (topic == null || topic.isBlank()) {
            throw new IllegalArgumentException("a record needs a topic");
        }
        if (partition != null && partition < 0) {
            throw new IllegalArgumentException("partition must not be negative, got " + partition);
        }
        headers = headers == null ? List.of() : List.copyOf(headers);
    }

    public ProducerRecord(String topic, byte[] key, byte[] value) {
        this(topic, null, null, key, value, List.of());
    }

    /** Bytes the record adds to a batch, before compression (an upper bound of its encoding). */
    int estimatedSize() {
        int size = 21 + (key == null ? 0 : key.length) + (value == null ? 0 : value.length);
        for (Header header : headers) {
            byte[] headerValue = header.value();
            size += 10 + header.key().length() * 3 + (headerValue == null ? 0 : headerValue.length);
        }
        return size;
    }
}
