package io.wharf.client.dlq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wharf.client.consumer.ConsumerRecord;
import io.wharf.client.producer.ProducerRecord;
import io.wharf.record.Header;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeadLetterRecordTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void keepsKeyValueAndHeadersThenAddsTheErrorHeadersAsUtf8() {
        ConsumerRecord origin = new ConsumerRecord("orders", 3, 42L, 1_000L, utf8("k"), utf8("v"),
                List.of(new Header("trace", utf8("t1")), new Header("empty", null)));
        ProducerRecord deadLetter = DeadLetterRecord.of(origin, "orders-dlq", "java.io.IOException", "disk é full", 1_700_000_000_123L);

        assertEquals("orders-dlq", deadLetter.topic());
        assertNull(deadLetter.partition(), "the key picks the partition, so a key's dead letters stay in order");
        assertArrayEquals(utf8("k"), deadLetter.key());
        assertArrayEquals(utf8("v"), deadLetter.value());
        assertEquals(List.of(new Header("trace", utf8("t1")), new Header("empty", null),
                new Header("error.cause", utf8("java.io.IOException")),
                new Header("error.message", utf8("disk é full")),
                new Header("error.origin.topic", utf8("orders")),
                new Header("error.origin.partition", utf8("3")),
                new Header("error.origin.offset", utf8("42")),
                new Header("error.timestamp", utf8("1700000000123"))), deadLetter.headers());
    }

    @Test
    void keyBlockRoundTripsThroughItsTopicFormat() {
        KeyBlock block = new KeyBlock("orders", new byte[] {0, (byte) 0xff, 'a'}, 2, 17L, "java.io.IOException", 99L);
        assertEquals("orders/00ff61", block.id());
        KeyBlock read = KeyBlock.decode(block.id(), block.encode());
        assertEquals("orders", read.topic());
        assertArrayEquals(block.key(), read.key());
        assertEquals(List.of(2, 17L, "java.io.IOException", 99L),
                List.of(read.partition(), read.offset(), read.cause(), read.timestampMs()));
        assertThrows(IllegalArgumentException.class, () -> KeyBlock.decode("noslash", block.encode()));
        assertThrows(IllegalArgumentException.class, () -> KeyBlock.decode("orders/00", utf8("partition=x")));
    }
}
