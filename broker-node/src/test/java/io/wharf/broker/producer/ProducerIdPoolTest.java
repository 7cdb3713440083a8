package io.wharf.broker.producer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ProducerIdPoolTest {

    @Test
    void givesEachIdOfItsBlockOnceThenRunsDry() {
        ProducerIdPool pool = new ProducerIdPool();
        assertTrue(pool.take().isEmpty(), "no block yet");
        pool.refill(1000, 2);
        assertEquals(OptionalLong.of(1000), pool.take());
        assertEquals(OptionalLong.of(1001), pool.take());
        assertTrue(pool.take().isEmpty());
        pool.refill(5000, 1);
        assertEquals(OptionalLong.of(5000), pool.take());
    }

    @Test
    void refusesAnEmptyOrNegativeBlock() {
        ProducerIdPool pool = new ProducerIdPool();
        assertThrows(IllegalArgumentException.class, () -> pool.refill(-1, 10));
        assertThrows(IllegalArgumentException.class, () -> pool.refill(0, 0));
    }
}
