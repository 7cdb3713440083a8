package io.wharf.client.dlq;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * A blocked key in ordered mode, as stored on the blocked-keys topic: record key
 * {@code <topic>/<key in lowercase hex>}, value UTF-8 lines {@code name=value} naming the record
 * that blocked it. A tombstone (null value) releases the key. Being a record over a byte array,
 * two blocks are equal only if they share the array: compare {@link #id()}s.
 *
 * @param topic the source topic, or queue ({@link QueueDeadLetterLoop}; partition 0, the offset
 *     being the message's delivery tag)
 * @param key the record key
 * @param partition partition of the record whose failure blocked the key
 * @param offset its offset
 * @param cause its {@code error.cause}
 * @param timestampMs when the key was blocked, ms since the epoch
 */
public record KeyBlock(String topic, byte[] key, int partition, long offset, String cause, long timestampMs) {

    /** The record key on the blocked-keys topic for {@code key} of {@code topic}. */
    public static String id(String topic, byte[] key) {
        return topic + "/" + HexFormat.of().formatHex(key);
    }

    /** This block's record key on the blocked-keys topic. */
    public String id() {
        return id(topic, key);
    }

    /** The record value on the blocked-keys topic. */
    byte[] encode() {
        return ("partition=" + partition + "\noffset=" + offset + "\ncause=" + cause + "\ntimestamp=" + timestampMs)
                .getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The block stored under {@code id} with {@code value}.
     *
     * @throws IllegalArgumentException when either is not in this format
     */
    static KeyBlock decode(String id, byte[] value) {
        // The hex key has no '/', so the last one ends the topic (or queue) name whatever that holds.
        int slash = id.lastIndexOf('/');
        if (slash <= 0) {
            throw new IllegalArgumentException("not a blocked-key id: " + id);
        }
        Map<String, String> fields = new HashMap<>();
        for (String line : new String(value, StandardCharsets.UTF_8).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                fields.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        try {
            return new KeyBlock(id.substring(0, slash), HexFormat.of().parseHex(id.substring(slash + 1)),
                    Integer.parseInt(fields.get("partition")), Long.parseLong(fields.get("offset")),
                    fields.getOrDefault("cause", ""), Long.parseLong(fields.get("timestamp")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a blocked-key value under " + id, e);
        }
    }
}
