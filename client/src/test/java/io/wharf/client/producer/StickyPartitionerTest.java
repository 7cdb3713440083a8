package io.wharf.client.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class StickyPartitionerTest {

    @Test
    void nullKeysStickToOnePartitionUntilANewBatch() {
        StickyPartitioner partitioner = new StickyPartitioner(new Random(7));
        int first = partitioner.partition("t", null, 5);
        for (int i = 0; i < 100; i++) {
            assertEquals(first, partitioner.partition("t", null, 5));
        }
        partitioner.onNewBatch("t", first, 5);
        int second = partitioner.partition("t", null, 5);
        assertNotEquals(first, second);
        partitioner.onNewBatch("t", first, 5);
        assertEquals(second, partitioner.partition("t", null, 5), "a stale new-batch notice does not move it again");
    }

    @Test
    void keysUseMurmur2RegardlessOfTheStickyPartition() {
        StickyPartitioner partitioner = new StickyPartitioner(new Random(7));
        byte[] key = "foobar".getBytes(StandardCharsets.UTF_8);
        assertEquals(6, partitioner.partition("t", key, 10));
        partitioner.onNewBatch("t", 6, 10);
        assertEquals(6, partitioner.partition("t", key, 10));
    }

    @Test
    void aSinglePartitionTopicStaysOnIt() {
        StickyPartitioner partitioner = new StickyPartitioner(new Random(7));
        assertEquals(0, partitioner.partition("t", null, 1));
        partitioner.onNewBatch("t", 0, 1);
        assertEquals(0, partitioner.partition("t", null, 1));
    }
}
