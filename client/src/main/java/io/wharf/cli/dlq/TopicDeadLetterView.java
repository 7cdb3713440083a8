package io.wharf.cli.dlq;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.dlq.DeadLetterRecord;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * A dead letter on a dead-letter topic as {@code wharf dlq show} prints it: where it is, its key
 * and value (text, or base64 when not UTF-8) and every header, the SDK's {@code error.*} death
 * headers among them. Immutable.
 *
 * @param timestamp the record's timestamp (when it was dead-lettered), ISO-8601 UTC
 * @param key the key, null when it has none
 * @param value the value, null for a tombstone
 * @param headers header name → value (text, or {@code base64:...}), sorted by name; of a repeated
 *     header the last
 */
public record TopicDeadLetterView(int partition, long offset, String timestamp,
                                  @JsonProperty("key_encoding") String keyEncoding, String key,
                                  @JsonProperty("value_encoding") String valueEncoding, String value,
                                  Map<String, String> headers) {

    public static TopicDeadLetterView of(ConsumerRecord record) {
        EncodedBytes key = EncodedBytes.of(record.key());
        EncodedBytes value = EncodedBytes.of(record.value());
        Map<String, String> headers = new TreeMap<>();
        for (Header header : record.headers()) {
            EncodedBytes text = EncodedBytes.of(header.value());
            headers.put(header.key(), text == null ? "" : text.display());
        }
        return new TopicDeadLetterView(record.partition(), record.offset(),
                Instant.ofEpochMilli(record.timestamp()).toString(), key == null ? null : key.encoding(),
                key == null ? null : key.text(), value == null ? null : value.encoding(),
                value == null ? null : value.text(), headers);
    }

    /** The last value of header {@code name} as UTF-8 text, or null when the record has none. */
    public static String header(ConsumerRecord record, String name) {
        String found = null;
        for (Header header : record.headers()) {
            if (header.key().equals(name) && header.value() != null) {
                found = new String(header.value(), StandardCharsets.UTF_8);
            }
        }
        return found;
    }

    /** Why the record was dead-lettered: its {@code error.cause}, "" when it has none. */
    public static String cause(ConsumerRecord record) {
        String cause = header(record, DeadLetterRecord.CAUSE);
        return cause == null ? "" : cause;
    }
}
