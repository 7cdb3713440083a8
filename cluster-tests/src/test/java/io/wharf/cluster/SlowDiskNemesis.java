package io.wharf.cluster;

import io.wharf.replication.log.fault.DiskFaults;
import java.time.Duration;
import java.util.Random;
import java.util.Set;

/**
 * A slow disk under one broker (a partition's leader or a follower): each of its segment writes
 * waits up to 100 ms and each fsync 50–500 ms before reaching the disk, then the disk is healthy
 * again. The broker is slow, not dead: it must keep its session (its heartbeats do not touch the
 * log), its produce answers come late, and a follower may fall out of the ISR and catch up again.
 */
final class SlowDiskNemesis implements Nemesis {

    private final BrokerDisks disks;
    private final Victims victims;

    SlowDiskNemesis(BrokerDisks disks, Victims victims) {
        this.disks = disks;
        this.victims = victims;
    }

    @Override
    public String kind() {
        return "slow-disk";
    }

    /** 2 to 4 s: long enough for slow fsyncs to hold up acks=all produces and replication. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(2000 + random.nextInt(2000));
    }

    @Override
    public Fault inject(Random random) {
        Victims.Victim victim = victims.pickReplica(random);
        DiskFaults slow = new DiskFaults(Duration.ofMillis(random.nextInt(101)),
                Duration.ofMillis(50 + random.nextInt(451)), false, false);
        disks.inject(victim.node(), slow);
        return Fault.of("slow disk under " + victim + ": writes +" + slow.writeDelay().toMillis() + " ms, fsyncs +"
                + slow.fsyncDelay().toMillis() + " ms", Set.of(victim.node()), () -> disks.heal(victim.node()));
    }
}
