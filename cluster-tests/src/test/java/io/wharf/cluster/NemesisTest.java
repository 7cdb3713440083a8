package io.wharf.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The short nemesis run of every build: a fixed seed and a handful of faults, every kind at least
 * once (kill, pause, corrupt restart, and network partitions where namespaces can be made), with
 * the history checked as {@link NemesisRun} says. Replaces the kill-only RandomKillsTest. Replay
 * or vary with {@code -Dnemesis.seed=<seed> -Dnemesis.faults=<n>}; the long run is
 * {@link NemesisLongTest}.
 */
class NemesisTest {

    private static final long DEFAULT_SEED = 20261206L;
    private static final int DEFAULT_FAULTS = 5;

    private NemesisSuite suite;

    @AfterEach
    void stop() {
        if (suite != null) {
            suite.close();
        }
    }

    @Test
    void aShortSeededScheduleOfFaultsLosesNoAcknowledgedWriteAndKeepsMetadataSafe() {
        long seed = Long.getLong("nemesis.seed", DEFAULT_SEED);
        int faults = Integer.getInteger("nemesis.faults", DEFAULT_FAULTS);
        suite = NemesisSuite.start(NemesisSuite.partitionsAvailable());
        NemesisRun.Report report = suite.run(seed, faults);
        assertEquals(faults, report.faultsByKind().values().stream().mapToInt(Integer::intValue).sum());
    }
}
