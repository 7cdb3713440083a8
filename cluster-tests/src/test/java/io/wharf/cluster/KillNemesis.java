package io.wharf.cluster;

import java.time.Duration;
import java.util.Random;
import java.util.Set;

/** SIGKILL of a node picked by role; healed by starting it again on the same data. */
final class KillNemesis implements Nemesis {

    private final ProcessCluster cluster;
    private final Victims victims;

    KillNemesis(ProcessCluster cluster, Victims victims) {
        this.cluster = cluster;
        this.victims = victims;
    }

    @Override
    public String kind() {
        return "kill";
    }

    /** Down for 1 to 3 s: long enough for the cluster to notice (the broker session is 2 s) or not. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(1000 + random.nextInt(2000));
    }

    @Override
    public Fault inject(Random random) {
        Victims.Victim victim = victims.pickAny(random);
        cluster.launcher().kill(victim.node());
        return Fault.of("SIGKILL " + victim, Set.of(victim.node()), () -> cluster.launcher().start(victim.node()));
    }
}
