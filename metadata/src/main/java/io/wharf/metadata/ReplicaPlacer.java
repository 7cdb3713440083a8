package io.wharf.metadata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the replicas of new partitions over the active brokers so that preferred leaders, replicas
 * and failover successors stay evenly spread, counting what existing topics already place there.
 * Deterministic: the same image and seed give the same placements. Single-threaded; owned by one
 * {@link CommandProcessor} call, and it remembers its own placements so a topic's partitions
 * spread among themselves too.
 *
 * <p>For each partition: the replica set is the {@code rf} brokers holding the fewest replicas
 * (then fewest leaders); the leader is the broker with the fewest leaders among those holding at
 * most one replica more than the fullest of that set, which keeps both counts within a small
 * bound of even. The leader's successor (the replica next in line when it fails) is, among the
 * brokers the replica counts allow, the one that has least often been this leader's successor, so
 * a failed broker's leaderships move to many brokers (the job of Kafka's replica shift). Ties go
 * round-robin from a start index derived from the seed and advanced per partition.
 */
final class ReplicaPlacer {

    private final List<Integer> brokers;
    private final Map<Integer, Integer> leaders = new HashMap<>();
    private final Map<Integer, Integer> replicas = new HashMap<>();
    /** (leader, successor) → how many partitions have that leader and that replica next in line. */
    private final Map<Long, Integer> successors = new HashMap<>();
    private int start;

    ReplicaPlacer(MetadataImage image, long seed) {
        this.brokers = image.activeBrokerIds();
        for (int broker : brokers) {
            leaders.put(broker, 0);
            replicas.put(broker, 0);
        }
        // Existing partitions count for their preferred leader, not the current one: a broker back from
        // a failure leads nothing for a moment, then the preferred-leader election gives it all back.
        for (TopicImage topic : image.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                if (!partition.replicas().isEmpty()) {
                    count(partition.replicas().get(0), partition.replicas());
                }
            }
        }
        this.start = brokers.isEmpty() ? 0 : Math.floorMod(Long.hashCode(seed * 0x9E3779B97F4A7C15L), brokers.size());
    }

    /** The replicas of one new partition, leader first; {@code replicationFactor} at most the active brokers. */
    List<Integer> place(int replicationFactor) {
        if (replicationFactor < 1 || replicationFactor > brokers.size()) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " with "
                    + brokers.size() + " active brokers");
        }
        List<Integer> candidates = new ArrayList<>(brokers);
        candidates.sort(Comparator.<Integer>comparingInt(replicas::get)
                .thenComparingInt(leaders::get)
                .thenComparingInt(this::rotation));
        // Letting a slightly fuller broker lead keeps leaders even at the cost of at most one replica.
        int fullestAllowed = replicas.get(candidates.get(replicationFactor - 1));
        int leader = candidates.stream()
                .filter(b -> replicas.get(b) <= fullestAllowed + 1)
                .min(Comparator.<Integer>comparingInt(leaders::get)
                        .thenComparingInt(replicas::get)
                        .thenComparingInt(this::rotation))
                .orElseThrow();
        candidates.remove(Integer.valueOf(leader));
        List<Integer> chosen = new ArrayList<>();
        chosen.add(leader);
        if (replicationFactor > 1) {
            int fullestFollower = replicas.get(candidates.get(replicationFactor - 2));
            int successor = candidates.stream()
                    .filter(b -> replicas.get(b) <= fullestFollower)
                    .min(Comparator.<Integer>comparingInt(b -> successors.getOrDefault(pair(leader, b), 0))
                            .thenComparingInt(replicas::get)
                            .thenComparingInt(this::rotation))
                    .orElseThrow();
            candidates.remove(Integer.valueOf(successor));
            chosen.add(successor);
            chosen.addAll(candidates.subList(0, replicationFactor - 2));
        }
        count(leader, chosen);
        start = (start + 1) % brokers.size();
        return List.copyOf(chosen);
    }

    private void count(int leader, List<Integer> partitionReplicas) {
        boolean leaderActive = leaders.containsKey(leader);
        if (leaderActive) {
            leaders.merge(leader, 1, Integer::sum);
        }
        int successor = PartitionState.NO_LEADER;
        for (int replica : partitionReplicas) {
            if (replicas.containsKey(replica)) {
                replicas.merge(replica, 1, Integer::sum);
                if (successor == PartitionState.NO_LEADER && replica != leader) {
                    successor = replica;
                }
            }
        }
        if (leaderActive && successor != PartitionState.NO_LEADER) {
            successors.merge(pair(leader, successor), 1, Integer::sum);
        }
    }

    /** Distance of {@code broker} from the current round-robin start. */
    private int rotation(int broker) {
        return Math.floorMod(brokers.indexOf(broker) - start, brokers.size());
    }

    private static long pair(int leader, int follower) {
        return ((long) leader << 32) | (follower & 0xFFFFFFFFL);
    }
}
