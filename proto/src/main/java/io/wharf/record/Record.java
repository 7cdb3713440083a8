package io.wharf.record;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One decoded record: absolute offset and timestamp, nullable key and value, headers.
 * Immutable (arrays are copied in and out).
 */
public final class Record {
    private final long offset;
    private final long timestamp;
    private final byte[] key;
    private final byte[] value;
    private final List<Header> headers;

    public Record(long offset, long timestamp, byte[] key, byte[] value, List<Header> headers) {
        this.offset = offset;
        this.timestamp = timestamp;
        this.key = key == null ? null : key.clone();
        this.value = value == null ? null : value.clone();
        this.headers = List.copyOf(headers);
    }

    public long offset() {
        return offset;
    }

    public long timestamp() {
        return timestamp;
    }

    /** A copy of the key, or null. */
    public byte[] key() {
        return key == null ? null : key.clone();
    }

    /** A copy of the value, or null. */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    public List<Header> headers() {
        return headers;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Record r && offset == r.offset && timestamp == r.timestamp
                && Arrays.equals(key, r.key) && Arrays.equals(value, r.value)
                && headers.equals(r.headers);
    }

    @Override
    public int hashCode() {
        return Objects.hash(offset, timestamp, Arrays.hashCode(key), Arrays.hashCode(value), headers);
    }

    @Override
    public String toString() {
        return "Record(offset=" + offset + ", timestamp=" + timestamp
                + ", key=" + (key == null ? "null" : key.length + " bytes")
                + ", value=" + (value == null ? "null" : value.length + " bytes")
                + ", headers=" + headers + ")";
    }
}
