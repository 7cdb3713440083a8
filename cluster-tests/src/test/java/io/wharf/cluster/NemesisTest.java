package io.wharf.cluster;

import org.junit.jupiter.api.Test;

/**
 * The short nemesis run of every build: a fixed seed and a handful of faults, every kind once
 * (kill, pause, corrupt restart, slow disk, failing disk, and network partitions where namespaces
 * can be made), with the
 * history checked as {@link NemesisRun} says. Replaces the kill-only RandomKillsTest. Replay or
 * vary with {@code -Dnemesis.seed=<seed> -Dnemesis.faults=<n>}; the long run is
 * {@link NemesisLongTest}.
 */
class NemesisTest {

    private static final long DEFAULT_SEED = 20261206L;
    private static final int DEFAULT_FAULTS = 6;

    @Test
    void aShortSeededScheduleOfFaultsLosesNoAcknowledgedWriteAndKeepsMetadataSafe() {
        NemesisSuite.runChecked(Long.getLong("nemesis.seed", DEFAULT_SEED),
                Integer.getInteger("nemesis.faults", DEFAULT_FAULTS));
    }
}
