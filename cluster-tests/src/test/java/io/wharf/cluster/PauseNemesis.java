package io.wharf.cluster;

import java.time.Duration;
import java.util.Random;
import java.util.Set;

/**
 * SIGSTOP of a node picked by role for longer than the broker session timeout (2 s) and a
 * controller's election timeout (at most 0.2 s), then SIGCONT: the cluster moves on without it,
 * and it wakes up as a zombie — a leader or active controller that missed its own replacement and
 * must not acknowledge or apply anything on that stale authority.
 */
final class PauseNemesis implements Nemesis {

    private final ProcessCluster cluster;
    private final Victims victims;

    PauseNemesis(ProcessCluster cluster, Victims victims) {
        this.cluster = cluster;
        this.victims = victims;
    }

    @Override
    public String kind() {
        return "pause";
    }

    /** 2.5 to 5 s: past the 2 s broker session, so a paused broker is fenced while it sleeps. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(2500 + random.nextInt(2500));
    }

    @Override
    public Fault inject(Random random) {
        Victims.Victim victim = victims.pickAny(random);
        long pid = cluster.launcher().pid(victim.node()).orElseThrow(() ->
                new IllegalStateException("cannot pause " + victim + ": it is not running"));
        ProcessSignals.pause(pid);
        return Fault.of("SIGSTOP " + victim + ", pid " + pid, Set.of(victim.node()), () -> ProcessSignals.resume(pid));
    }
}
