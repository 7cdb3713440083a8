package io.wharf.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Kafka's range assignor: for each topic, the members subscribed to it, sorted by member id,
 * take contiguous ranges of its partitions in order; when the partitions do not divide evenly
 * the first members take one more. Because every topic uses the same member order, members that
 * subscribe to the same co-partitioned topics (same partition counts) get the same partition
 * indexes of each, so records with the same key in those topics go to one member. Not sticky:
 * the result depends only on the member ids, the subscriptions and the partition counts.
 * Stateless.
 */
public final class RangeAssignor implements PartitionAssignor {

    /** The name members and configs use. */
    public static final String NAME = "range";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public SortedMap<String, Assignment> assign(AssignmentSpec spec) {
        Map<String, Map<String, List<Integer>>> byMember = new HashMap<>();
        spec.members().keySet().forEach(id -> byMember.put(id, new TreeMap<>()));
        spec.subscribersByTopic().forEach((topic, members) -> {
            int count = spec.partitionCount(topic);
            int base = count / members.size();
            int extra = count % members.size();
            int next = 0;
            for (int i = 0; i < members.size(); i++) {
                int length = base + (i < extra ? 1 : 0);
                List<Integer> range = new ArrayList<>();
                for (int p = next; p < next + length; p++) {
                    range.add(p);
                }
                next += length;
                byMember.get(members.get(i)).put(topic, range);
            }
        });
        SortedMap<String, Assignment> result = new TreeMap<>();
        byMember.forEach((memberId, partitions) -> result.put(memberId, Assignment.of(partitions)));
        return result;
    }
}
