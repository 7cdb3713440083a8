package io.wharf.broker.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The cleaner's I/O limit on a fake clock: sleeping advances the clock, so each test knows to the
 * nanosecond how long the throttle held the caller.
 */
class RateThrottleTest {

    private static final long MB = 1_000_000;
    private static final long INTERVAL = RateThrottle.CHECK_INTERVAL_NANOS;

    private long now = 5_000_000_000L;
    private final List<Long> sleeps = new ArrayList<>();

    private RateThrottle throttle(long bytesPerSecond) {
        return new RateThrottle(bytesPerSecond, () -> now, nanos -> {
            sleeps.add(nanos);
            now += nanos;
        });
    }

    private static long millis(long n) {
        return TimeUnit.MILLISECONDS.toNanos(n);
    }

    @Test
    void aBurstIsHeldUntilItsAverageIsTheLimit() throws InterruptedException {
        RateThrottle throttle = throttle(MB);
        long started = now;
        for (int chunk = 0; chunk < 10; chunk++) {
            throttle.onBytes(100_000);  // no time passes: the disk is infinitely fast
        }
        // Every 300 ms' worth of bytes (300,000 at 1 MB/s) the caller waits until that much time passed.
        assertEquals(List.of(millis(300), millis(300), millis(300)), sleeps);
        throttle.onBytes(200_000);
        assertEquals(millis(1200), now - started, "1.2 MB took 1.2 s at 1 MB/s");
    }

    @Test
    void ioAtOrUnderTheLimitIsNeverHeld() throws InterruptedException {
        RateThrottle throttle = throttle(MB);
        for (int chunk = 0; chunk < 100; chunk++) {
            now += millis(10);  // exactly 1 MB/s
            throttle.onBytes(10_000);
        }
        for (int chunk = 0; chunk < 100; chunk++) {
            now += millis(10);  // a tenth of it
            throttle.onBytes(1_000);
        }
        assertEquals(List.of(), sleeps);
    }

    @Test
    void theTimeAPeriodAlreadyTookIsDeductedFromTheWait() throws InterruptedException {
        RateThrottle throttle = throttle(MB);
        now += millis(250);
        throttle.onBytes(1000);  // the period is short of the interval: nothing checked yet
        throttle.onBytes(2 * MB);  // 2 s worth of bytes after 250 ms
        assertEquals(List.of(millis(2001) - millis(250)), sleeps);
    }

    /**
     * Random chunks and random disk times: whenever a period ends, everything so far went at most
     * at the limit plus one interval's burst and one chunk, and the throttle never held the caller
     * longer than the limit required (the time spent is at most the disk time plus the bytes' time
     * at the limit).
     */
    @Test
    void overAnyRunTheAverageStaysAtTheLimitWithoutOversleeping() throws InterruptedException {
        Random random = new Random(13);
        for (int run = 0; run < 200; run++) {
            sleeps.clear();
            long limit = 1000 + random.nextInt(50 * (int) MB);
            RateThrottle throttle = throttle(limit);
            long started = now;
            long bytes = 0;
            long diskNanos = 0;
            long biggestChunk = 0;
            for (int chunk = 0; chunk < 500; chunk++) {
                long size = random.nextInt(1 + random.nextInt(4 * (int) MB));
                long disk = random.nextInt((int) millis(50));
                now += disk;
                diskNanos += disk;
                throttle.onBytes(size);
                bytes += size;
                biggestChunk = Math.max(biggestChunk, size);
                double allowed = (double) limit * (now - started) / 1e9 + (double) limit * INTERVAL / 1e9 + biggestChunk;
                assertTrue(bytes <= allowed, "run " + run + ", chunk " + chunk + ": " + bytes + " bytes in "
                        + (now - started) + " ns at " + limit + " bytes/s");
            }
            long slept = sleeps.stream().mapToLong(Long::longValue).sum();
            assertTrue(now - started <= diskNanos + Math.ceil(bytes * 1e9 / limit) + sleeps.size(),
                    "run " + run + " slept " + slept + " ns, more than the limit required");
        }
    }

    @Test
    void anInterruptedSleepReachesTheCleaning() {
        RateThrottle throttle = new RateThrottle(MB, () -> now, nanos -> {
            throw new InterruptedException("the cleaner is closing");
        });
        InterruptedException stopped = assertThrows(InterruptedException.class, () -> throttle.onBytes(MB));
        assertEquals("the cleaner is closing", stopped.getMessage());
    }

    @Test
    void theLimitMustBePositiveAndCountsCannotBeNegative() {
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> throttle(0));
        assertTrue(zero.getMessage().contains("log.cleaner.io.max.bytes.per.second"), zero.getMessage());
        assertThrows(IllegalArgumentException.class, () -> throttle(MB).onBytes(-1));
    }
}
