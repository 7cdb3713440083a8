package io.wharf.cluster;

import java.time.Duration;
import java.util.Random;
import java.util.Set;

/**
 * SIGKILL of a broker (a leader or a follower of the workload's topic), then damage to the last
 * batch of one of its partitions' newest segment ({@link SegmentDamage}), then a restart: recovery
 * must truncate the damaged tail and the replica re-replicate it, or the replica checks find the
 * divergence.
 */
final class CorruptRestartNemesis implements Nemesis {

    private final ProcessCluster cluster;
    private final Victims victims;
    private final String topic;
    private final int partitions;

    CorruptRestartNemesis(ProcessCluster cluster, Victims victims, String topic, int partitions) {
        this.cluster = cluster;
        this.victims = victims;
        this.topic = topic;
        this.partitions = partitions;
    }

    @Override
    public String kind() {
        return "corrupt-restart";
    }

    /** Down for 0.5 to 2 s, damaged meanwhile. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(500 + random.nextInt(1500));
    }

    @Override
    public Fault inject(Random random) {
        Victims.Victim victim = victims.pickReplica(random);
        cluster.launcher().kill(victim.node());
        int partition = random.nextInt(partitions);
        String damage = SegmentDamage.damageLastBatch(ReplicaLogs.partitionDir(cluster, victim.node().id(), topic,
                partition), random).orElse("nothing to damage yet");
        return Fault.of("SIGKILL " + victim + ", then in " + topic + "-" + partition + ": " + damage,
                Set.of(victim.node()), () -> cluster.launcher().start(victim.node()));
    }
}
