package io.wharf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void pacesRecordsEvenlyAtTheTargetRate() {
        Throttle throttle = new Throttle(1000);
        assertEquals(0, throttle.delayNanos(0, 0));
        assertEquals(1_000_000, throttle.delayNanos(1, 0), "the second record is due 1 ms in");
        assertEquals(500_000, throttle.delayNanos(10, 9_500_000));
        assertEquals(0, throttle.delayNanos(10, 20_000_000), "behind schedule: no wait");
    }

    @Test
    void minusOneMeansUnthrottled() {
        assertEquals(0, new Throttle(-1).delayNanos(1_000_000, 0));
    }
}
