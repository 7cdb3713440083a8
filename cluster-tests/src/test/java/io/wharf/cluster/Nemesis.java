package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import java.time.Duration;
import java.util.Random;
import java.util.Set;

/**
 * One kind of fault a nemesis run can inject into a real cluster: kill, pause, corrupt restart,
 * network partition, slow disk, failing disk. Usable alone (inject, wait, heal) or drawn by a {@link FaultSchedule}.
 */
interface Nemesis {

    /** The kind of fault, as schedules and reports name it (e.g. {@code pause}). */
    String kind();

    /** How long a fault of this kind lasts before it is healed, drawn from {@code random}. */
    Duration hold(Random random);

    /**
     * Injects one fault, its target (a leader, a follower, a set of links...) chosen with
     * {@code random} among the cluster's current nodes; the fault lasts until {@link Fault#heal()}.
     */
    Fault inject(Random random);

    /** A fault in place. */
    interface Fault {

        /** What was done to whom, e.g. {@code SIGSTOP broker-2 (leader of nemesis-1)}. */
        String description();

        /**
         * The nodes the fault hit: the process killed, paused or with a faulty disk, or every node
         * with a link cut. A checker excuses what happens to these nodes while the fault lasts.
         */
        Set<NodeName> nodes();

        /** Undoes the fault: restarts, resumes, reconnects. Called once. */
        void heal();

        /** A fault described by {@code description}, hitting {@code nodes}, healed by {@code heal}. */
        static Fault of(String description, Set<NodeName> nodes, Runnable heal) {
            Set<NodeName> hit = Set.copyOf(nodes);
            return new Fault() {
                @Override
                public String description() {
                    return description;
                }

                @Override
                public Set<NodeName> nodes() {
                    return hit;
                }

                @Override
                public void heal() {
                    heal.run();
                }
            };
        }
    }
}
