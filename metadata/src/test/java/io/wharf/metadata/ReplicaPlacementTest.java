package io.wharf.metadata;

import static io.wharf.metadata.Commands.createTopic;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplicaPlacementTest {

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 5, 7, 9})
    void manyTopicsSpreadReplicasAndLeadersEvenly(int brokers) {
        for (int seed = 0; seed < 10; seed++) {
            Cluster cluster = Cluster.withActiveBrokers(brokers);
            Random random = new Random(seed);
            for (int t = 0; t < 40; t++) {
                int rf = 1 + random.nextInt(Math.min(3, brokers));
                cluster.ok(createTopic("topic-" + t, 1 + random.nextInt(7), rf));

                Load load = Load.of(cluster.image());
                assertTrue(load.spread(load.leaders) <= 2, "seed " + seed + ": leaders per broker " + load.leaders);
                assertTrue(load.spread(load.replicas) <= 2, "seed " + seed + ": replicas per broker " + load.replicas);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5, 7})
    void aFailedBrokersLeadershipsMoveToManyBrokers(int brokers) {
        Cluster cluster = Cluster.withActiveBrokers(brokers);
        cluster.ok(createTopic("t", 12 * brokers, 3));
        Load before = Load.of(cluster.image());

        cluster.ok(Commands.fence(0, cluster.epoch(0)));

        Load after = Load.of(cluster.image());
        int moved = before.leaders.get(0);
        for (int b = 1; b < brokers; b++) {
            int gained = after.leaders.get(b) - before.leaders.get(b);
            assertTrue(gained <= (moved + brokers - 2) / (brokers - 1) + 1,
                    "broker " + b + " gained " + gained + " of " + moved + " leaderships: " + after.leaders);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void newTopicsFillUpABrokerThatJoinedLate(int brokers) {
        Cluster cluster = Cluster.withActiveBrokers(brokers);
        for (int t = 0; t < 10; t++) {
            cluster.ok(createTopic("old-" + t, 3, 2));
        }
        cluster.registerAndUnfence(brokers);
        for (int t = 0; t < 10; t++) {
            cluster.ok(createTopic("new-" + t, 3, 2));
        }
        Load load = Load.of(cluster.image());
        assertTrue(load.spread(load.leaders) <= 2, "leaders per broker " + load.leaders);
        assertTrue(load.spread(load.replicas) <= 2, "replicas per broker " + load.replicas);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 5})
    void aBrokerBackFromAFailureIsCountedWithTheLeadershipsItWillGetBack(int brokers) {
        Cluster cluster = Cluster.withActiveBrokers(brokers);
        cluster.ok(createTopic("old", 4 * brokers, 3));
        cluster.ok(Commands.fence(0, cluster.epoch(0)));
        cluster.ok(Commands.unfence(0, cluster.epoch(0)));
        // Broker 0 leads nothing now, but the preferred-leader election gives its partitions back.
        cluster.ok(createTopic("new", brokers, 3));

        Map<Integer, Integer> preferred = new HashMap<>();
        for (PartitionState p : cluster.image().topic("new").orElseThrow().partitions().values()) {
            preferred.merge(p.replicas().get(0), 1, Integer::sum);
        }
        assertEquals(brokers, preferred.size(), "each broker is the preferred leader of one new partition: "
                + preferred);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void placementOnlyUsesActiveBrokers(int fenced) {
        Cluster cluster = Cluster.withActiveBrokers(5);
        cluster.ok(Commands.fence(fenced, cluster.epoch(fenced)));
        cluster.ok(createTopic("t", 20, 3));
        for (PartitionState p : cluster.image().topic("t").orElseThrow().partitions().values()) {
            assertTrue(!p.replicas().contains(fenced), p.toString());
            assertEquals(3, p.replicas().size());
        }
    }

    /** Leaders and replicas per active broker. */
    private record Load(Map<Integer, Integer> leaders, Map<Integer, Integer> replicas) {

        static Load of(MetadataImage image) {
            Map<Integer, Integer> leaders = new HashMap<>();
            Map<Integer, Integer> replicas = new HashMap<>();
            for (int b : image.brokers().keySet()) {
                leaders.put(b, 0);
                replicas.put(b, 0);
            }
            for (TopicImage topic : image.topics().values()) {
                for (PartitionState p : topic.partitions().values()) {
                    if (p.hasLeader()) {
                        leaders.merge(p.leader(), 1, Integer::sum);
                    }
                    p.replicas().forEach(r -> replicas.merge(r, 1, Integer::sum));
                }
            }
            for (int b : image.brokers().keySet()) {
                if (!image.isActive(b)) {
                    leaders.remove(b);
                    replicas.remove(b);
                }
            }
            return new Load(leaders, replicas);
        }

        int spread(Map<Integer, Integer> counts) {
            return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                    - counts.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        }
    }
}
