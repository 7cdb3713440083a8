package io.wharf.cluster;

import static org.awaitility.Awaitility.await;

import io.wharf.replication.log.fault.DiskFaults;
import java.time.Duration;
import java.util.Random;
import java.util.Set;

/**
 * A failing disk under one broker (a partition's leader or a follower): its fsyncs throw, and
 * half the time its segment writes too. Decision {@code storage-fault-stops-the-broker.md} says
 * what must follow: the log goes offline at the first failure, a controlled shutdown moves the
 * broker's leaderships to in-sync replicas, and the process exits. Healed as an operator would:
 * once the process is gone the disk is replaced (the faults cleared) and the broker started on
 * the same data, whose recovery runs. A broker still running {@link #EXIT_LIMIT} after its
 * faults began fails the run: a storage fault it did not act on.
 */
final class FailingDiskNemesis implements Nemesis {

    /** Every broker writes and fsyncs continuously under the workload; stopping takes a controlled shutdown. */
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(30);

    private final ProcessCluster cluster;
    private final BrokerDisks disks;
    private final Victims victims;

    FailingDiskNemesis(ProcessCluster cluster, BrokerDisks disks, Victims victims) {
        this.cluster = cluster;
        this.disks = disks;
        this.victims = victims;
    }

    @Override
    public String kind() {
        return "failing-disk";
    }

    /** 0.5 to 2 s before the disk is replaced and the broker restarted. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(500 + random.nextInt(1500));
    }

    @Override
    public Fault inject(Random random) {
        Victims.Victim victim = victims.pickReplica(random);
        boolean writesToo = random.nextBoolean();
        disks.inject(victim.node(), new DiskFaults(Duration.ZERO, Duration.ZERO, true, writesToo));
        return Fault.of("failing disk under " + victim + ": fsyncs" + (writesToo ? " and writes" : "") + " throw",
                Set.of(victim.node()), () -> {
                    try {
                        await(victim.node() + " stops on its failing disk").atMost(EXIT_LIMIT)
                                .pollInterval(Duration.ofMillis(50))
                                .until(() -> !cluster.launcher().isRunning(victim.node()));
                    } finally {
                        disks.heal(victim.node());
                    }
                    cluster.launcher().start(victim.node());
                });
    }
}
