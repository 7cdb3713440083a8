package io.wharf.client.dlq;

import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Builds the dead letter of a consumed record. */
public final class DeadLetterRecord {

    /** The failure's class name, or {@link DeadLetterPolicy#BLOCKED_BY_PREVIOUS_FAILURE}. */
    public static final String CAUSE = "error.cause";
    /** The failure's message ("" when it had none). */
    public static final String MESSAGE = "error.message";
    /** The topic the record was read from. */
    public static final String ORIGIN_TOPIC = "error.origin.topic";
    /** Its partition, in decimal. */
    public static final String ORIGIN_PARTITION = "error.origin.partition";
    /** Its offset, in decimal. */
    public static final String ORIGIN_OFFSET = "error.origin.offset";
    /** When it was dead-lettered, ms since the epoch, in decimal. */
    public static final String TIMESTAMP = "error.timestamp";

    private DeadLetterRecord() {
    }

    /**
     * The record to publish to {@code deadLetterTopic}: the original key, value and headers, then the
     * {@code error.*} headers as UTF-8 strings. The partition is left to the partitioner, so a key's
     * dead letters share a partition and keep their order; the timestamp is the producer's clock.
     *
     * @param nowMs the time of dead-lettering, ms since the epoch
     */
    public static ProducerRecord of(ConsumerRecord origin, String deadLetterTopic, String cause, String message,
                                    long nowMs) {
        List<Header> headers = new ArrayList<>(origin.headers());
        headers.add(utf8(CAUSE, cause));
        headers.add(utf8(MESSAGE, message));
        headers.add(utf8(ORIGIN_TOPIC, origin.topic()));
        headers.add(utf8(ORIGIN_PARTITION, Integer.toString(origin.partition())));
        headers.add(utf8(ORIGIN_OFFSET, Long.toString(origin.offset())));
        headers.add(utf8(TIMESTAMP, Long.toString(nowMs)));
        return new ProducerRecord(deadLetterTopic, null, null, origin.key(), origin.value(), headers);
    }

    private static Header utf8(String key, String value) {
        return new Header(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
