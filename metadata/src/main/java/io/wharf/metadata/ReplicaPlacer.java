package io.wharf.metadata;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the replicas of new partitions over the active brokers so that leaders, replicas and
 * leader–follower pairs stay evenly spread, counting what existing topics already place there.
 * Deterministic: the same image and seed give the same placements. Single-threaded; owned by one
 * {@link CommandProcessor} call, and it remembers its own placements so a topic's partitions
 * spread among themselves too.
 *
 * <p>For each partition the leader is the broker with the fewest leaders (then fewest replicas);
 * each follower is the broker with the fewest replicas, then the fewest partitions led by this
 * leader that it follows (so a failed leader's partitions move to many brokers, the job of
 * Kafka's replica shift). Ties go round-robin from a start index derived from the seed and
 * advanced per partition.
 */
final class ReplicaPlacer {

    private final List<Integer> brokers;
    private final Map<Integer, Integer> leaders = new HashMap<>();
    private final Map<Integer, Integer> replicas = new HashMap<>();
    /** (leader, follower) → how many partitions have that leader and follower. */
    private final Map<Long, Integer> pairs = new HashMap<>();
    private int start;

    ReplicaPlacer(MetadataImage image, long seed) {
        this.brokers = image.activeBrokerIds();
        for (int broker : brokers) {
            leaders.put(broker, 0);
            replicas.put(broker, 0);
        }
        for (TopicImage topic : image.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                count(partition.leader(), partition.replicas());
            }
        }
        this.start = brokers.isEmpty() ? 0 : Math.floorMod(Long.hashCode(seed * 0x9E3779B97F4A7C15L), brokers.size());
    }

    /** The number of active brokers, the largest replication factor this placer can serve. */
    int activeBrokers() {
        return brokers.size();
    }

    /** The replicas of one new partition, leader first; {@code replicationFactor} <= {@link #activeBrokers()}. */
    List<Integer> place(int replicationFactor) {
        if (replicationFactor < 1 || replicationFactor > brokers.size()) {
            throw new IllegalArgumentException("replication factor " + replicationFactor + " with "
                    + brokers.size() + " active brokers");
        }
        List<Integer> candidates = new ArrayList<>(brokers);
        int leader = candidates.stream()
                .min(Comparator.<Integer>comparingInt(leaders::get)
                        .thenComparingInt(replicas::get)
                        .thenComparingInt(this::rotation))
                .orElseThrow();
        List<Integer> chosen = new ArrayList<>();
        chosen.add(leader);
        candidates.remove(Integer.valueOf(leader));
        while (chosen.size() < replicationFactor) {
            int follower = candidates.stream()
                    .min(Comparator.<Integer>comparingInt(replicas::get)
                            .thenComparingInt(b -> pairs.getOrDefault(pair(leader, b), 0))
                            .thenComparingInt(this::rotation))
                    .orElseThrow();
            chosen.add(follower);
            candidates.remove(Integer.valueOf(follower));
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
        for (int replica : partitionReplicas) {
            if (replicas.containsKey(replica)) {
                replicas.merge(replica, 1, Integer::sum);
                if (leaderActive && replica != leader) {
                    pairs.merge(pair(leader, replica), 1, Integer::sum);
                }
            }
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
