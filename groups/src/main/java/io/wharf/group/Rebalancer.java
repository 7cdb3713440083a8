package io.wharf.group;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;

/**
 * Bumps a group's epoch when its membership, a subscription or a subscribed topic's partition
 * count changed, and then computes the new target assignment with the group's assignor. Emits
 * its records into a {@link GroupDraft}. Stateless.
 */
final class Rebalancer {

    private Rebalancer() {
    }

    /**
     * Brings the draft's epoch and target assignment up to date.
     *
     * @param draft          the group being changed
     * @param config         the assignors
     * @param topics         topic → partition count of every existing topic
     * @param inputsChanged  true when the operation changed membership or a member's assignment
     *                       inputs (subscription, rack, assignor), which bumps the epoch by itself
     */
    static void rebalance(GroupDraft draft, GroupConfig config, Map<String, Integer> topics, boolean inputsChanged) {
        ConsumerGroup group = draft.group();
        SortedMap<String, Integer> subscribed = subscribedTopics(group, topics);
        if (inputsChanged || !subscribed.equals(group.epoch().subscribedTopics())) {
            draft.append(new GroupRecord.GroupMetadata(group.groupId(),
                    Optional.of(new GroupEpoch(group.groupEpoch() + 1, subscribed))));
            group = draft.group();
        }
        if (group.groupEpoch() <= group.assignmentEpoch()) {
            return;
        }
        SortedMap<String, Assignment> target = assignorOf(group, config).assign(spec(group));
        for (Map.Entry<String, Assignment> member : target.entrySet()) {
            if (!group.targetAssignment().containsKey(member.getKey())
                    || !group.target(member.getKey()).equals(member.getValue())) {
                draft.append(new GroupRecord.TargetMember(group.groupId(), member.getKey(),
                        Optional.of(member.getValue())));
            }
        }
        draft.append(new GroupRecord.TargetEpoch(group.groupId(), Optional.of(group.groupEpoch())));
    }

    /** Topic → partition count of every existing topic some member subscribes to. */
    static SortedMap<String, Integer> subscribedTopics(ConsumerGroup group, Map<String, Integer> topics) {
        SortedMap<String, Integer> subscribed = new TreeMap<>();
        for (MemberMetadata member : group.members().values()) {
            for (String topic : member.subscribedTopics(topics.keySet())) {
                int count = topics.getOrDefault(topic, 0);
                if (count > 0) {
                    subscribed.put(topic, count);
                }
            }
        }
        return subscribed;
    }

    /**
     * The assignor most members asked for (ties go to the one listed first in the config), else
     * the config's default.
     */
    private static PartitionAssignor assignorOf(ConsumerGroup group, GroupConfig config) {
        Map<String, Integer> votes = new HashMap<>();
        group.members().values().forEach(m -> m.serverAssignor().ifPresent(a -> votes.merge(a, 1, Integer::sum)));
        PartitionAssignor chosen = config.defaultAssignor();
        int best = 0;
        for (PartitionAssignor assignor : config.assignors()) {
            int count = votes.getOrDefault(assignor.name(), 0);
            if (count > best) {
                chosen = assignor;
                best = count;
            }
        }
        return chosen;
    }

    private static AssignmentSpec spec(ConsumerGroup group) {
        Collection<String> existing = group.epoch().subscribedTopics().keySet();
        SortedMap<String, AssignmentSpec.Subscription> members = new TreeMap<>();
        group.members().forEach((memberId, metadata) -> {
            SortedSet<String> topics = metadata.subscribedTopics(existing);
            members.put(memberId, new AssignmentSpec.Subscription(memberId, topics, metadata.rackId()));
        });
        return new AssignmentSpec(members, group.epoch().subscribedTopics(), group.targetAssignment());
    }
}
