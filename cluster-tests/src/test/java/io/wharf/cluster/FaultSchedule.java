package io.wharf.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A seeded plan of faults: which kind comes when, how long each lasts, how long the cluster is left
 * alone afterwards, and the seed each fault draws its target from. The same seed, count and kinds
 * give the same plan, so a failure replays with its seed (targets are picked by role among the
 * nodes that play it at the time, e.g. "the leader of partition 1"). Every kind comes once, in a
 * seeded order, before any comes twice. Immutable.
 */
final class FaultSchedule {

    /** One fault of the plan. */
    record PlannedFault(int number, String kind, Duration hold, Duration quietAfter, long targetSeed) {
        @Override
        public String toString() {
            return String.format("#%d %s: hold %d ms, then %d ms quiet (target seed %d)", number, kind,
                    hold.toMillis(), quietAfter.toMillis(), targetSeed);
        }
    }

    private final long seed;
    private final List<PlannedFault> faults;

    private FaultSchedule(long seed, List<PlannedFault> faults) {
        this.seed = seed;
        this.faults = List.copyOf(faults);
    }

    /** {@code count} faults drawn from {@code nemeses} with {@code seed}. */
    static FaultSchedule plan(long seed, int count, List<Nemesis> nemeses) {
        Random random = new Random(seed);
        List<Nemesis> everyKindFirst = new ArrayList<>(nemeses);
        Collections.shuffle(everyKindFirst, random);
        List<PlannedFault> faults = new ArrayList<>();
        for (int number = 1; number <= count; number++) {
            Nemesis nemesis = number <= everyKindFirst.size() ? everyKindFirst.get(number - 1)
                    : nemeses.get(random.nextInt(nemeses.size()));
            faults.add(new PlannedFault(number, nemesis.kind(), nemesis.hold(random),
                    Duration.ofMillis(500 + random.nextInt(1500)), random.nextLong()));
        }
        return new FaultSchedule(seed, faults);
    }

    long seed() {
        return seed;
    }

    List<PlannedFault> faults() {
        return faults;
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("fault schedule of seed " + seed + " (" + faults.size() + " faults):");
        faults.forEach(fault -> text.append("\n  ").append(fault));
        return text.toString();
    }
}
