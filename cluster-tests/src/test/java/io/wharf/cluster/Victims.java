package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import io.wharf.proto.common.PartitionInfo;
import java.util.List;
import java.util.Random;

/**
 * Picks the node a fault hits by the role it plays right now — the leader of a partition of the
 * workload's topic, a follower of one, the active controller, any broker or any controller — as
 * the controllers describe the cluster. Stateless apart from the cluster it asks.
 */
final class Victims {

    /** The roles a victim may be picked by. */
    enum Role { PARTITION_LEADER, FOLLOWER, ACTIVE_CONTROLLER, ANY_BROKER, ANY_CONTROLLER }

    /** A node and the role it was picked for, e.g. {@code leader of nemesis-2}. */
    record Victim(NodeName node, String role) {
        @Override
        public String toString() {
            return node + " (" + role + ")";
        }
    }

    private final ProcessCluster cluster;
    private final String topic;
    private final int partitions;
    private final int brokers;
    private final int controllers;

    Victims(ProcessCluster cluster, String topic, int partitions) {
        this.cluster = cluster;
        this.topic = topic;
        this.partitions = partitions;
        this.brokers = cluster.launcher().topology().brokers();
        this.controllers = cluster.launcher().topology().controllers();
    }

    /**
     * A replica of a partition whose log matters to the checks: its leader or a follower, even odds
     * (one draw from {@code random}, then {@link #pick}'s).
     */
    Victim pickReplica(Random random) {
        return pick(random.nextBoolean() ? Role.PARTITION_LEADER : Role.FOLLOWER, random);
    }

    /** A node playing {@code role} now, chosen with {@code random} where several do. */
    Victim pick(Role role, Random random) {
        int partition = random.nextInt(partitions);
        return switch (role) {
            case PARTITION_LEADER -> new Victim(cluster.broker(cluster.partition(topic, partition).getLeader()),
                    "leader of " + topic + "-" + partition);
            case FOLLOWER -> {
                // Any replica but the leader, in the ISR or not: right after a fault the ISR may be
                // the leader alone, and a follower still catching up is a victim like any other.
                PartitionInfo info = cluster.partition(topic, partition);
                List<Integer> followers = info.getReplicasList().stream().filter(id -> id != info.getLeader()).toList();
                yield new Victim(cluster.broker(followers.get(random.nextInt(followers.size()))),
                        "follower of " + topic + "-" + partition);
            }
            case ACTIVE_CONTROLLER -> new Victim(cluster.controller(cluster.leader().orElseThrow(
                    () -> new IllegalStateException("no active controller to pick")).getId()), "active controller");
            case ANY_BROKER -> new Victim(cluster.broker(1 + random.nextInt(brokers)), "a broker");
            case ANY_CONTROLLER -> new Victim(cluster.controller(1 + random.nextInt(controllers)), "a controller");
        };
    }

    /** A node playing a role drawn at random with {@code random}. */
    Victim pickAny(Random random) {
        return pick(Role.values()[random.nextInt(Role.values().length)], random);
    }
}
