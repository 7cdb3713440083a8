package io.wharf.cluster;

import io.wharf.cli.cluster.NodeName;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Network partitions between nodes ({@link NetworkNamespaces}); clients in the test still reach
 * every node. Each fault draws one shape:
 * <ul>
 *   <li>{@link Shape#MINORITY}: one controller and one broker cut from the other four (the
 *       controller is the active one half of the time) — a majority and a minority;</li>
 *   <li>{@link Shape#LEADER_FROM_FOLLOWERS}: a partition's leader broker cut from the other
 *       brokers only: it still reaches the controllers and its clients, its followers cannot fetch;</li>
 *   <li>{@link Shape#ISOLATED_NODE}: a leader broker or the active controller cut from every other
 *       node, still reached by clients — the zombie leader of the Jepsen analyses;</li>
 *   <li>{@link Shape#BRIDGE}: the nodes split in two halves but for one node that sees both.</li>
 * </ul>
 */
final class PartitionNemesis implements Nemesis {

    /** The partition shapes. */
    enum Shape { MINORITY, LEADER_FROM_FOLLOWERS, ISOLATED_NODE, BRIDGE }

    private final NetworkNamespaces network;
    private final Victims victims;
    private final List<NodeName> nodes;

    PartitionNemesis(NetworkNamespaces network, Victims victims, List<NodeName> nodes) {
        this.network = network;
        this.victims = victims;
        this.nodes = List.copyOf(nodes);
    }

    @Override
    public String kind() {
        return "partition";
    }

    /** 3 to 6 s: past the broker session and many controller election timeouts. */
    @Override
    public Duration hold(Random random) {
        return Duration.ofMillis(3000 + random.nextInt(3000));
    }

    @Override
    public Fault inject(Random random) {
        Shape shape = Shape.values()[random.nextInt(Shape.values().length)];
        Set<NodeName> cut = new HashSet<>();
        String description = switch (shape) {
            case MINORITY -> minority(random, cut);
            case LEADER_FROM_FOLLOWERS -> leaderFromFollowers(random, cut);
            case ISOLATED_NODE -> isolated(random, cut);
            case BRIDGE -> bridge(random, cut);
        };
        return Fault.of(shape + ": " + description, cut, network::healAll);
    }

    private String minority(Random random, Set<NodeName> cut) {
        NodeName controller = victims.pick(random.nextBoolean() ? Victims.Role.ACTIVE_CONTROLLER
                : Victims.Role.ANY_CONTROLLER, random).node();
        NodeName broker = victims.pick(Victims.Role.ANY_BROKER, random).node();
        List<NodeName> minority = List.of(controller, broker);
        return split(minority, rest(minority), cut);
    }

    private String leaderFromFollowers(Random random, Set<NodeName> cut) {
        Victims.Victim leader = victims.pick(Victims.Role.PARTITION_LEADER, random);
        List<NodeName> otherBrokers = nodes.stream()
                .filter(node -> !node.isController() && !node.equals(leader.node())).toList();
        return leader + " " + split(List.of(leader.node()), otherBrokers, cut);
    }

    private String isolated(Random random, Set<NodeName> cut) {
        Victims.Victim victim = victims.pick(random.nextBoolean() ? Victims.Role.PARTITION_LEADER
                : Victims.Role.ACTIVE_CONTROLLER, random);
        return victim + " " + split(List.of(victim.node()), rest(List.of(victim.node())), cut);
    }

    private String bridge(Random random, Set<NodeName> cut) {
        List<NodeName> shuffled = new ArrayList<>(nodes);
        Collections.shuffle(shuffled, random);
        NodeName bridge = shuffled.remove(0);
        List<NodeName> left = shuffled.subList(0, shuffled.size() / 2);
        List<NodeName> right = shuffled.subList(shuffled.size() / 2, shuffled.size());
        return split(left, right, cut) + ", " + bridge + " bridging";
    }

    /** Cuts every link between {@code side} and {@code other}, adding both to {@code cut}; describes the cut. */
    private String split(List<NodeName> side, List<NodeName> other, Set<NodeName> cut) {
        cut.addAll(side);
        cut.addAll(other);
        for (NodeName a : side) {
            for (NodeName b : other) {
                network.cut(a, b);
            }
        }
        return side + " cut from " + other;
    }

    private List<NodeName> rest(List<NodeName> excluded) {
        return nodes.stream().filter(node -> !excluded.contains(node)).toList();
    }
}
