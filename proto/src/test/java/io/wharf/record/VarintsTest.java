package io.wharf.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

class VarintsTest {

    @Test
    void zigZagRoundTripsEdgesAndRandomValues() {
        Random random = new Random(7);
        ByteBuffer buffer = ByteBuffer.allocate(16);
        int[] ints = {0, 1, -1, 63, -64, 64, -65, Integer.MAX_VALUE, Integer.MIN_VALUE};
        for (int i = 0; i < 10_000; i++) {
            int value = i < ints.length ? ints[i] : random.nextInt() >> random.nextInt(32);
            buffer.clear();
            Varints.writeVarint(value, buffer);
            assertEquals(Varints.sizeOfVarint(value), buffer.position(), "size of " + value);
            buffer.flip();
            assertEquals(value, Varints.readVarint(buffer));
            long longValue = i < ints.length ? (long) ints[i] * 3 : random.nextLong() >> random.nextInt(64);
            buffer.clear();
            Varints.writeVarlong(longValue, buffer);
            assertEquals(Varints.sizeOfVarlong(longValue), buffer.position(), "size of " + longValue);
            buffer.flip();
            assertEquals(longValue, Varints.readVarlong(buffer));
        }
    }

    @Test
    void smallMagnitudesUseOneByteAsKafkaDoes() {
        ByteBuffer buffer = ByteBuffer.allocate(4);
        Varints.writeVarint(-1, buffer);
        assertEquals(1, buffer.position());
        assertEquals(1, buffer.get(0));
        buffer.clear();
        Varints.writeVarint(1, buffer);
        assertEquals(2, buffer.get(0));
    }

    @Test
    void overlongOrTruncatedVarintsAreRefused() {
        ByteBuffer overlong = ByteBuffer.wrap(new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 1});
        assertEquals(CorruptRecordException.Problem.MALFORMED_RECORDS,
                assertThrows(CorruptRecordException.class, () -> Varints.readVarint(overlong)).problem());
        ByteBuffer truncated = ByteBuffer.wrap(new byte[] {(byte) 0x80});
        assertThrows(CorruptRecordException.class, () -> Varints.readVarlong(truncated));
    }
}
