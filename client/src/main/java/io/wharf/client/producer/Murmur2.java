package io.wharf.client.producer;

/**
 * The 32-bit murmur2 hash exactly as Apache Kafka's {@code Utils.murmur2} computes it (seed
 * 0x9747b28c, little-endian 4-byte blocks), so a key lands on the partition Kafka's default
 * partitioner would choose. Stateless.
 */
public final class Murmur2 {

    private static final int SEED = 0x9747b28c;
    private static final int M = 0x5bd1e995;
    private static final int R = 24;

    private Murmur2() {
    }

    public static int hash(byte[] data) {
        int length = data.length;
        int h = SEED ^ length;
        int blocks = length / 4;
        for (int i = 0; i < blocks; i++) {
            int at = i * 4;
            int k = (data[at] & 0xff) | ((data[at + 1] & 0xff) << 8) | ((data[at + 2] & 0xff) << 16)
                    | ((data[at + 3] & 0xff) << 24);
            k *= M;
            k ^= k >>> R;
            k *= M;
            h *= M;
            h ^= k;
        }
        int tail = length & ~3;
        switch (length % 4) {
            case 3:
                h ^= (data[tail + 2] & 0xff) << 16;
                // fall through: the tail bytes are mixed in from the highest down
            case 2:
                h ^= (data[tail + 1] & 0xff) << 8;
                // fall through
            case 1:
                h ^= data[tail] & 0xff;
                h *= M;
                break;
            default:
                break;
        }
        h ^= h >>> 13;
        h *= M;
        h ^= h >>> 15;
        return h;
    }

    /** Kafka's {@code Utils.toPositive}: clears the sign bit (not {@code Math.abs}, which overflows). */
    public static int toPositive(int value) {
        return value & 0x7fffffff;
    }

    /** The partition Kafka's default partitioner gives a non-null key. */
    public static int partitionForKey(byte[] key, int numPartitions) {
        return toPositive(hash(key)) % numPartitions;
    }
}
