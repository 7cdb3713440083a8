package io.wharf.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What an assignor works from. Immutable.
 *
 * @param members         member id → its subscription; stored sorted by id, so assignors
 *                        iterate members in id order
 * @param partitionCounts topic → partition count, for every topic some member subscribes to
 *                        that exists; a subscribed topic missing here is not assigned
 * @param currentTarget   member id → its previous target assignment (members absent here had
 *                        none); sticky assignors keep as much of it as they can
 */
public record AssignmentSpec(Map<String, Subscription> members, Map<String, Integer> partitionCounts,
                             Map<String, Assignment> currentTarget) {

    public AssignmentSpec {
        members = Collections.unmodifiableSortedMap(new TreeMap<>(members));
        partitionCounts = Collections.unmodifiableSortedMap(new TreeMap<>(partitionCounts));
        currentTarget = Collections.unmodifiableSortedMap(new TreeMap<>(currentTarget));
    }

    /** The previous target of {@code memberId}, empty when it had none. */
    public Assignment currentTarget(String memberId) {
        return currentTarget.getOrDefault(memberId, Assignment.empty());
    }

    /** The partition count of {@code topic}, 0 when it does not exist. */
    public int partitionCount(String topic) {
        return partitionCounts.getOrDefault(topic, 0);
    }

    /**
     * One member as an assignor sees it. Immutable.
     *
     * @param memberId the member's id
     * @param topics   the topics it subscribes to (a regex already resolved to names), sorted
     * @param rack     the member's rack, when it sent one; the assignors here do not use it yet
     *                 because the spec carries no replica racks to match it with
     */
    public record Subscription(String memberId, SortedSet<String> topics, Optional<String> rack) {

        public Subscription {
            Objects.requireNonNull(memberId, "memberId");
            topics = Collections.unmodifiableSortedSet(new TreeSet<>(topics));
            Objects.requireNonNull(rack, "rack");
        }

        /** A member with no rack. */
        public static Subscription of(String memberId, Collection<String> topics) {
            return new Subscription(memberId, new TreeSet<>(topics), Optional.empty());
        }
    }

    /**
     * Topic → ids of the members subscribed to it (sorted by id), for every subscribed topic
     * that exists, sorted by topic.
     */
    public SortedMap<String, List<String>> subscribersByTopic() {
        SortedMap<String, List<String>> subscribers = new TreeMap<>();
        for (Subscription member : members.values()) {
            for (String topic : member.topics()) {
                if (partitionCount(topic) > 0) {
                    subscribers.computeIfAbsent(topic, t -> new ArrayList<>()).add(member.memberId());
                }
            }
        }
        return subscribers;
    }
}
