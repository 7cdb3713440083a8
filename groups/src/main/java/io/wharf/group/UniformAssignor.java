package io.wharf.group;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The default assignor: balanced and sticky. Stateless.
 *
 * <p>Balanced: when a member A holds a partition of a topic that member B subscribes to, A holds
 * at most one partition more than B. Members with the same subscription are therefore within one
 * of each other. Sticky: a member keeps every partition of its previous target that still exists
 * and that it still subscribes to, unless balance needs it elsewhere; only then does a partition
 * move, one at a time from the fullest member to an emptier one.
 *
 * <p>How: (1) keep the previous targets; (2) give every unowned partition to the eligible member
 * holding the fewest (topics with the fewest subscribers first, so the members that can take
 * them are not already filled with topics everyone could take); (3) while some member holds two
 * more than an emptier member that could take one of its partitions, move one. Each move lowers
 * the sum of squared counts, so (3) ends.
 */
public final class UniformAssignor implements PartitionAssignor {

    /** The name members and configs use. */
    public static final String NAME = "uniform";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SortedMap<String, Assignment> assign(AssignmentSpec spec) {
        Map<String, TreeSet<TopicPartition>> owned = new TreeMap<>();
        Set<TopicPartition> taken = new HashSet<>();
        for (AssignmentSpec.Subscription member : spec.members().values()) {
            TreeSet<TopicPartition> kept = new TreeSet<>();
            spec.currentTarget(member.memberId()).partitions().forEach((topic, indexes) -> {
                for (int partition : indexes) {
                    TopicPartition tp = new TopicPartition(topic, partition);
                    if (member.topics().contains(topic) && partition < spec.partitionCount(topic) && taken.add(tp)) {
                        kept.add(tp);
                    }
                }
            });
            owned.put(member.memberId(), kept);
        }
        Map<String, List<String>> subscribers = spec.subscribersByTopic();
        List<String> topics = new ArrayList<>(subscribers.keySet());
        topics.sort(Comparator.comparingInt((String t) -> subscribers.get(t).size()).thenComparing(t -> t));
        for (String topic : topics) {
            for (int partition = 0; partition < spec.partitionCount(topic); partition++) {
                TopicPartition tp = new TopicPartition(topic, partition);
                if (!taken.contains(tp)) {
                    owned.get(leastLoaded(subscribers.get(topic), owned)).add(tp);
                    taken.add(tp);
                }
            }
        }
        while (moveOne(spec, owned)) {
            // each move strictly lowers the sum of squared counts, so this loop ends
        }
        SortedMap<String, Assignment> result = new TreeMap<>();
        owned.forEach((memberId, partitions) -> result.put(memberId, Assignment.ofPartitions(partitions)));
        return result;
    }

    private static String leastLoaded(List<String> candidates, Map<String, TreeSet<TopicPartition>> owned) {
        String best = candidates.get(0);
        for (String candidate : candidates) {
            if (owned.get(candidate).size() < owned.get(best).size()) {
                best = candidate;
            }
        }
        return best;
    }

    /** Moves one partition from a member to one holding two fewer that subscribes to its topic. */
    private static boolean moveOne(AssignmentSpec spec, Map<String, TreeSet<TopicPartition>> owned) {
        List<String> byCount = new ArrayList<>(owned.keySet());
        byCount.sort(Comparator.comparingInt((String m) -> owned.get(m).size()).thenComparing(m -> m));
        for (int d = byCount.size() - 1; d > 0; d--) {
            String donor = byCount.get(d);
            for (int r = 0; r < d && owned.get(byCount.get(r)).size() + 2 <= owned.get(donor).size(); r++) {
                String receiver = byCount.get(r);
                TopicPartition moved = pickMovable(spec, donor, owned.get(donor),
                        spec.members().get(receiver).topics());
                if (moved != null) {
                    owned.get(donor).remove(moved);
                    owned.get(receiver).add(moved);
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A partition of the donor's that the receiver may take: preferably one the donor did not
     * hold in its previous target (moving it revokes nothing), else its highest.
     */
    private static TopicPartition pickMovable(AssignmentSpec spec, String donor, TreeSet<TopicPartition> partitions,
                                              Set<String> receiverTopics) {
        Assignment previous = spec.currentTarget(donor);
        TopicPartition fallback = null;
        for (TopicPartition tp : partitions.descendingSet()) {
            if (receiverTopics.contains(tp.topic())) {
                if (!previous.contains(tp.topic(), tp.partition())) {
                    return tp;
                }
                if (fallback == null) {
                    fallback = tp;
                }
            }
        }
        return fallback;
    }
}
