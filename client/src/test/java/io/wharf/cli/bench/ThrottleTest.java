package io.wharf.cli.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ThrottleTest {

    @Test
    void sleepsOnlyOnceTwoMillisecondsAheadThenUntilTheRecordIsDue() {
        Throttle throttle = new Throttle(1000);
        assertEquals(0, throttle.delayNanos(0, 0));
        assertEquals(0, throttle.delayNanos(1, 0), "1 ms ahead: sent at once, in the burst");
        assertEquals(2_000_000, throttle.delayNanos(2, 0), "the third record is due 2 ms in");
        assertEquals(2_500_000, throttle.delayNanos(12, 9_500_000));
        assertEquals(0, throttle.delayNanos(10, 9_500_000), "half a millisecond ahead: no sleep");
        assertEquals(0, throttle.delayNanos(10, 20_000_000), "behind schedule: no wait");
    }

    @Test
    void keepsTheTargetRateOverARun() {
        Throttle throttle = new Throttle(10_000);
        long clock = 0;
        for (long sent = 0; sent < 50_000; sent++) {
            clock += throttle.delayNanos(sent, clock);
            clock += 1_000; // each send takes 1 µs
        }
        assertEquals(5.0, clock / 1e9, 0.01, "50,000 records at 10,000/s take 5 s");
    }

    @Test
    void minusOneMeansUnthrottled() {
        assertEquals(0, new Throttle(-1).delayNanos(1_000_000, 0));
    }
}
