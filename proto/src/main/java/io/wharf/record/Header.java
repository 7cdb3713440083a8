package io.wharf.record;

import java.util.Arrays;
import java.util.Objects;

/** One record header: a non-null UTF-8 key and a nullable value. Immutable. */
public final class Header {
    private final String key;
    private final byte[] value;

    /**
     * @param key non-null header name
     * @param value header value, or null; the array is copied
     */
    public Header(String key, byte[] value) {
        this.key = Objects.requireNonNull(key, "header key must not be null");
        this.value = value == null ? null : value.clone();
    }

    public String key() {
        return key;
    }

    /** A copy of the value, or null. */
    public byte[] value() {
        return value == null ? null : value.clone();
    }

    byte[] valueUnsafe() {
        return value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Header h && key.equals(h.key) && Arrays.equals(value, h.value);
    }

    @Override
    public int hashCode() {
        return 31 * key.hashCode() + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
        return "Header(" + key + ", " + (value == null ? "null" : value.length + " bytes") + ")";
    }
}
