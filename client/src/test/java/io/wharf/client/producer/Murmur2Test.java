package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Murmur2Test {

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** The vectors of Apache Kafka's UtilsTest.testMurmur2. */
    @Test
    void matchesKafkasPublishedVectors() {
        assertEquals(-973932308, Murmur2.hash(utf8("21")));
        assertEquals(-790332482, Murmur2.hash(utf8("foobar")));
        assertEquals(-985981536, Murmur2.hash(utf8("a-little-bit-long-string")));
        assertEquals(-1486304829, Murmur2.hash(utf8("a-little-bit-longer-string")));
        assertEquals(-58897971, Murmur2.hash(utf8("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8")));
        assertEquals(479470107, Murmur2.hash(new byte[] {'a', 'b', 'c'}));
    }

    /**
     * Partitions follow from the vectors: toPositive clears the sign bit, then modulo. For "21":
     * -973932308 & 0x7fffffff = 1173551340; 1173551340 % 3 = 0, % 10 = 0, % 7 = 3.
     * For "foobar": -790332482 & 0x7fffffff = 1357151166; % 3 = 0, % 10 = 6, % 7 = 0.
     * For "abc": 479470107 % 3 = 0, % 10 = 7, % 7 = 4.
     */
    @Test
    void partitionsAreToPositiveOfTheHashModuloTheCount() {
        assertEquals(1173551340, Murmur2.toPositive(-973932308));
        assertEquals(0, Murmur2.partitionForKey(utf8("21"), 3));
        assertEquals(0, Murmur2.partitionForKey(utf8("21"), 10));
        assertEquals(3, Murmur2.partitionForKey(utf8("21"), 7));
        assertEquals(0, Murmur2.partitionForKey(utf8("foobar"), 3));
        assertEquals(6, Murmur2.partitionForKey(utf8("foobar"), 10));
        assertEquals(0, Murmur2.partitionForKey(utf8("foobar"), 7));
        assertEquals(0, Murmur2.partitionForKey(utf8("abc"), 3));
        assertEquals(7, Murmur2.partitionForKey(utf8("abc"), 10));
        assertEquals(4, Murmur2.partitionForKey(utf8("abc"), 7));
    }

    @Test
    void toPositiveNeverOverflowsLikeAbs() {
        assertEquals(0, Murmur2.toPositive(Integer.MIN_VALUE));
        assertEquals(Integer.MAX_VALUE, Murmur2.toPositive(-1));
    }

    @Test
    void partitionIsAlwaysInRangeForRandomKeys() {
        Random random = new Random(42);
        for (int i = 0; i < 10_000; i++) {
            byte[] key = new byte[random.nextInt(40)];
            random.nextBytes(key);
            int partitions = 1 + random.nextInt(64);
            int partition = Murmur2.partitionForKey(key, partitions);
            assertTrue(partition >= 0 && partition < partitions);
        }
    }
}
