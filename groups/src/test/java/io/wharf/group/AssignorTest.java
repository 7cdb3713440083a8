package io.wharf.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AssignorTest {

    private final UniformAssignor uniform = new UniformAssignor();
    private final RangeAssignor range = new RangeAssignor();

    private static Map<String, AssignmentSpec.Subscription> members(String topics, String... ids) {
        Map<String, AssignmentSpec.Subscription> members = new TreeMap<>();
        for (String id : ids) {
            members.put(id, AssignmentSpec.Subscription.of(id, List.of(topics.split(","))));
        }
        return members;
    }

    private static int moved(SortedMap<String, Assignment> before, SortedMap<String, Assignment> after) {
        int moved = 0;
        for (Map.Entry<String, Assignment> member : after.entrySet()) {
            moved += member.getValue().minus(before.getOrDefault(member.getKey(), Assignment.empty())).size();
        }
        return moved;
    }

    @Test
    void uniformSplitsOneTopicWithinOne() {
        SortedMap<String, Assignment> result = uniform.assign(new AssignmentSpec(members("t", "a", "b", "c"),
                Map.of("t", 7), Map.of()));
        assertEquals(List.of(3, 2, 2), result.values().stream().map(Assignment::size).toList());
        assertEquals(Assignment.of("t", 0, 1, 2, 3, 4, 5, 6),
                result.values().stream().reduce(Assignment.empty(), Assignment::union));
    }

    @Test
    void uniformMovesOnlyWhatANewMemberNeeds() {
        SortedMap<String, Assignment> before = uniform.assign(new AssignmentSpec(members("t", "a", "b", "c"),
                Map.of("t", 6), Map.of()));
        SortedMap<String, Assignment> after = uniform.assign(new AssignmentSpec(members("t", "a", "b", "c", "d"),
                Map.of("t", 6), before));
        assertEquals(List.of(2, 2, 1, 1), after.values().stream().map(Assignment::size).sorted((x, y) -> y - x).toList());
        assertEquals(1, moved(before, after), "one partition must move to the newcomer, no more: " + after);
        for (String old : List.of("a", "b", "c")) {
            assertTrue(before.get(old).containsAll(after.get(old)), old + " got a partition it did not have");
        }
    }

    @Test
    void uniformKeepsTheStayersWhenAMemberLeaves() {
        SortedMap<String, Assignment> before = uniform.assign(new AssignmentSpec(members("t", "a", "b", "c"),
                Map.of("t", 6), Map.of()));
        SortedMap<String, Assignment> after = uniform.assign(new AssignmentSpec(members("t", "a", "b"),
                Map.of("t", 6), before));
        assertTrue(after.get("a").containsAll(before.get("a")));
        assertTrue(after.get("b").containsAll(before.get("b")));
        assertEquals(3, after.get("a").size());
        assertEquals(3, after.get("b").size());
    }

    @Test
    void uniformGivesTopicsWithFewSubscribersToTheirOnlyTakers() {
        Map<String, AssignmentSpec.Subscription> members = new TreeMap<>(members("t1", "a"));
        members.putAll(members("t1,t2", "b"));
        SortedMap<String, Assignment> result = uniform.assign(new AssignmentSpec(members,
                Map.of("t1", 2, "t2", 4), Map.of()));
        assertEquals(Assignment.of("t1", 0, 1), result.get("a"));
        assertEquals(Assignment.of("t2", 0, 1, 2, 3), result.get("b"));
    }

    @Test
    void uniformDropsPartitionsThatNoLongerExistOrAreNoLongerSubscribed() {
        Map<String, Assignment> previous = Map.of("a", Assignment.of("t", 0, 1, 5).union(Assignment.of("gone", 0)));
        SortedMap<String, Assignment> result = uniform.assign(new AssignmentSpec(members("t,missing", "a"),
                Map.of("t", 3), previous));
        assertEquals(Assignment.of("t", 0, 1, 2), result.get("a"));
    }

    @Test
    void uniformGivesEveryMemberAnEntryEvenWithoutPartitions() {
        SortedMap<String, Assignment> result = uniform.assign(new AssignmentSpec(members("t", "a", "b", "c"),
                Map.of("t", 1), Map.of()));
        assertEquals(3, result.size());
        assertEquals(1, result.values().stream().mapToInt(Assignment::size).sum());
    }

    @Test
    void uniformHoldsItsPropertiesOnRandomSpecs() {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int round = 0; round < 300; round++) {
            Map<String, Integer> counts = new TreeMap<>();
            int topicCount = 1 + random.nextInt(4);
            for (int t = 0; t < topicCount; t++) {
                counts.put("t" + t, random.nextInt(9));
            }
            Map<String, AssignmentSpec.Subscription> members = new TreeMap<>();
            int memberCount = 1 + random.nextInt(7);
            for (int m = 0; m < memberCount; m++) {
                List<String> topics = new ArrayList<>();
                counts.keySet().forEach(t -> {
                    if (random.nextBoolean()) {
                        topics.add(t);
                    }
                });
                members.put("m" + m, AssignmentSpec.Subscription.of("m" + m, topics));
            }
            Map<String, Assignment> previous = new HashMap<>();
            members.keySet().forEach(m -> previous.put(m, random.nextBoolean() ? Assignment.of("t0", random.nextInt(5))
                    : Assignment.empty()));
            AssignmentSpec spec = new AssignmentSpec(members, counts, previous);
            SortedMap<String, Assignment> result = uniform.assign(spec);
            String context = "seed " + seed + "L round " + round + ": " + spec + " -> " + result;
            assertEquals(result, uniform.assign(spec), "not deterministic, " + context);
            Map<TopicPartition, String> owners = new HashMap<>();
            result.forEach((member, assignment) -> assignment.partitions().forEach((topic, indexes) -> indexes.forEach(p -> {
                assertTrue(members.get(member).topics().contains(topic), member + " got unsubscribed " + topic + ", " + context);
                assertEquals(null, owners.put(new TopicPartition(topic, p), member), "two owners, " + context);
            })));
            spec.subscribersByTopic().keySet().forEach(topic -> {
                for (int p = 0; p < counts.get(topic); p++) {
                    assertTrue(owners.containsKey(new TopicPartition(topic, p)), topic + "-" + p + " unassigned, " + context);
                }
            });
            result.forEach((a, assignmentA) -> result.forEach((b, assignmentB) -> {
                boolean bCouldTake = assignmentA.partitions().keySet().stream().anyMatch(members.get(b).topics()::contains);
                if (bCouldTake) {
                    assertTrue(assignmentA.size() <= assignmentB.size() + 1, "unbalanced " + a + "/" + b + ", " + context);
                }
            }));
        }
    }

    @Test
    void rangeGivesContiguousRangesFirstMembersOneMore() {
        SortedMap<String, Assignment> result = range.assign(new AssignmentSpec(members("t", "c", "a", "b"),
                Map.of("t", 7), Map.of()));
        assertEquals(Assignment.of("t", 0, 1, 2), result.get("a"));
        assertEquals(Assignment.of("t", 3, 4), result.get("b"));
        assertEquals(Assignment.of("t", 5, 6), result.get("c"));
    }

    @Test
    void rangeCoPartitionsTopicsWithEqualCounts() {
        SortedMap<String, Assignment> result = range.assign(new AssignmentSpec(members("clicks,views", "a", "b"),
                Map.of("clicks", 4, "views", 4), Map.of()));
        assertEquals(Assignment.of("clicks", 0, 1).union(Assignment.of("views", 0, 1)), result.get("a"));
        assertEquals(Assignment.of("clicks", 2, 3).union(Assignment.of("views", 2, 3)), result.get("b"));
    }

    @Test
    void rangeAssignsEachTopicOnlyAmongItsSubscribersAndLeavesExtraMembersIdle() {
        Map<String, AssignmentSpec.Subscription> members = new TreeMap<>(members("t1", "a", "b", "c"));
        members.putAll(members("t2", "d"));
        SortedMap<String, Assignment> result = range.assign(new AssignmentSpec(members, Map.of("t1", 2, "t2", 2),
                Map.of()));
        assertEquals(Assignment.of("t1", 0), result.get("a"));
        assertEquals(Assignment.of("t1", 1), result.get("b"));
        assertEquals(Assignment.empty(), result.get("c"));
        assertEquals(Assignment.of("t2", 0, 1), result.get("d"));
    }
}
