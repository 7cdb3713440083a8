package io.wharf.record;

import java.nio.ByteBuffer;

/**
 * Zig-zag variable-length integer encoding as used inside Kafka v2 records (protobuf's sint32 /
 * sint64 wire form). Stateless; safe from any thread.
 */
public final class Varints {
    private Varints() {
    }

    /** Bytes {@link #writeVarint} uses for {@code value}. */
    public static int sizeOfVarint(int value) {
        int zigzag = (value << 1) ^ (value >> 31);
        int bytes = 1;
        while ((zigzag & 0xFFFFFF80) != 0) {
            bytes++;
            zigzag >>>= 7;
        }
        return bytes;
    }

    /** Bytes {@link #writeVarlong} uses for {@code value}. */
    public static int sizeOfVarlong(long value) {
        long zigzag = (value << 1) ^ (value >> 63);
        int bytes = 1;
        while ((zigzag & 0xFFFFFFFFFFFFFF80L) != 0) {
            bytes++;
            zigzag >>>= 7;
        }
        return bytes;
    }

    /** Writes {@code value} zig-zag encoded at the buffer's position. */
    public static void writeVarint(int value, ByteBuffer out) {
        int zigzag = (value << 1) ^ (value >> 31);
        while ((zigzag & 0xFFFFFF80) != 0) {
            out.put((byte) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        out.put((byte) zigzag);
    }

    /** Writes {@code value} zig-zag encoded at the buffer's position. */
    public static void writeVarlong(long value, ByteBuffer out) {
        long zigzag = (value << 1) ^ (value >> 63);
        while ((zigzag & 0xFFFFFFFFFFFFFF80L) != 0) {
            out.put((byte) ((zigzag & 0x7F) | 0x80));
            zigzag >>>= 7;
        }
        out.put((byte) zigzag);
    }

    /**
     * Reads a zig-zag varint at the buffer's position.
     *
     * @throws CorruptRecordException if the buffer ends mid-number or the number needs more than
     *     5 bytes
     */
    public static int readVarint(ByteBuffer in) {
        int raw = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            if (!in.hasRemaining()) {
                throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                        "varint runs past the end of the records section");
            }
            byte b = in.get();
            raw |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                "varint is longer than 5 bytes");
    }

    /**
     * Reads a zig-zag varlong at the buffer's position.
     *
     * @throws CorruptRecordException if the buffer ends mid-number or the number needs more than
     *     10 bytes
     */
    public static long readVarlong(ByteBuffer in) {
        long raw = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            if (!in.hasRemaining()) {
                throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                        "varlong runs past the end of the records section");
            }
            byte b = in.get();
            raw |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new CorruptRecordException(CorruptRecordException.Problem.MALFORMED_RECORDS,
                "varlong is longer than 10 bytes");
    }
}
