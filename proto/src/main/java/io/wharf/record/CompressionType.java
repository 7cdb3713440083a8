package io.wharf.record;

import java.nio.ByteBuffer;

/**
 * The compression codec of a batch's records section, with Kafka's ids (attribute bits 0-2).
 * Immutable; thread-safe.
 */
public enum CompressionType {
    NONE(0, "none", new NoCompressionCodec()),
    GZIP(1, "gzip", new GzipCodec()),
    SNAPPY(2, "snappy", new SnappyCodec()),
    LZ4(3, "lz4", new Lz4Codec()),
    ZSTD(4, "zstd", new ZstdCodec());

    private final int id;
    private final String configName;
    private final CompressionCodec codec;

    CompressionType(int id, String configName, CompressionCodec codec) {
        this.id = id;
        this.configName = configName;
        this.codec = codec;
    }

    /** The 3-bit id stored in the batch attributes. */
    public int id() {
        return id;
    }

    /** The lower-case name used in configuration ({@code compression.type}). */
    public String configName() {
        return configName;
    }

    /**
     * The type with this attribute id.
     *
     * @throws CorruptRecordException if no codec has this id
     */
    public static CompressionType forId(int id) {
        for (CompressionType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        throw new CorruptRecordException(CorruptRecordException.Problem.UNKNOWN_COMPRESSION,
                "compression codec id " + id + " is not one of 0 (none), 1 (gzip), 2 (snappy), 3 (lz4), 4 (zstd)");
    }

    /**
     * The type with this configuration name.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static CompressionType forName(String name) {
        for (CompressionType type : values()) {
            if (type.configName.equalsIgnoreCase(name)) {
                return type;
            }
        }
        throw new IllegalArgumentException("unknown compression type '" + name
                + "'; use one of none, gzip, snappy, lz4, zstd");
    }

    /** Compresses {@code length} bytes of {@code plain} from {@code offset}. */
    public byte[] compress(byte[] plain, int offset, int length) {
        return codec.compress(plain, offset, length);
    }

    /**
     * Decompresses the remaining bytes of {@code compressed} without moving its position.
     *
     * @throws CorruptRecordException if the bytes are not a valid stream of this type
     */
    public byte[] decompress(ByteBuffer compressed) {
        return codec.decompress(compressed);
    }
}
