package io.wharf.broker;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MetadataLagTest {

    @Test
    void aStreamThatKeepsUpNeverTrips() {
        MetadataLag lag = new MetadataLag(3000);
        // the image trails the leader by one heartbeat at every observation, for a minute
        for (long now = 0, leader = 10; now < 60_000; now += 250, leader += 5) {
            assertFalse(lag.observe(leader - 5, leader, now), "at " + now);
        }
    }

    @Test
    void anOffsetStillMissingAfterMaxLagTripsOnceThenTheWaitStartsOver() {
        MetadataLag lag = new MetadataLag(3000);
        assertFalse(lag.observe(40, 50, 0));
        assertFalse(lag.observe(40, 55, 2999));
        assertTrue(lag.observe(40, 60, 3000));
        // the next wait starts from the next report
        assertFalse(lag.observe(40, 60, 3250));
        assertFalse(lag.observe(40, 60, 6249));
        assertTrue(lag.observe(40, 60, 6250));
    }

    @Test
    void progressPastTheAwaitedOffsetRestartsTheClockAtTheNewLeaderOffset() {
        MetadataLag lag = new MetadataLag(3000);
        assertFalse(lag.observe(40, 50, 0));
        assertFalse(lag.observe(50, 70, 2500));   // reached 50; now waits for 70 from 2500
        assertFalse(lag.observe(60, 70, 5000));
        assertTrue(lag.observe(60, 80, 5500));
    }

    @Test
    void aBrokerAheadOfALaggingLeaderReportIsNotBehind() {
        MetadataLag lag = new MetadataLag(3000);
        for (long now = 0; now < 10_000; now += 250) {
            assertFalse(lag.observe(100, 90, now));
        }
    }

    @Test
    void tripsOnlyWhenSomeReportedOffsetWasMissingForMaxLag() {
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            MetadataLag lag = new MetadataLag(1000);
            long image = 0;
            long leader = 0;
            long firstMissingAt = -1;
            long firstMissingOffset = -1;
            for (long now = 0; now < 20_000; now += 1 + random.nextInt(400)) {
                leader += random.nextInt(3);
                if (random.nextInt(4) != 0) {
                    image = Math.min(leader, image + random.nextInt(4));
                }
                if (firstMissingOffset >= 0 && image >= firstMissingOffset) {
                    firstMissingOffset = -1;
                }
                boolean tripped = lag.observe(image, leader, now);
                if (firstMissingOffset < 0 && image < leader && !tripped) {
                    firstMissingOffset = leader;
                    firstMissingAt = now;
                }
                if (tripped) {
                    assertTrue(firstMissingOffset >= 0 && now - firstMissingAt >= 1000,
                            "tripped at " + now + " without an offset missing for 1000 ms");
                    firstMissingOffset = -1;
                }
            }
        }
    }

    @Test
    void maxLagMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> new MetadataLag(0));
    }
}
