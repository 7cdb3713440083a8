package io.wharf.cluster;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The long nemesis run, only in the {@code nemesis} profile (tag {@code nemesis}; the default build
 * excludes it): {@code ./mvnw -Pnemesis -pl cluster-tests -am verify -Dnemesis.faults=N
 * -Dnemesis.seed=S}. A random seed unless one is given; it is logged first, and a failure reports
 * it with the schedule.
 */
@Tag("nemesis")
class NemesisLongTest {

    private static final Logger LOG = LoggerFactory.getLogger(NemesisLongTest.class);
    private static final int DEFAULT_FAULTS = 100;

    @Test
    @Timeout(value = 6, unit = TimeUnit.HOURS)
    void aLongRandomScheduleOfFaultsLosesNoAcknowledgedWriteAndKeepsMetadataSafe() {
        long seed = Long.getLong("nemesis.seed", System.nanoTime());
        int faults = Integer.getInteger("nemesis.faults", DEFAULT_FAULTS);
        LOG.info("long nemesis run: seed {}, {} faults (replay with -Dnemesis.seed={})", seed, faults, seed);
        NemesisSuite.runChecked(seed, faults);
    }
}
