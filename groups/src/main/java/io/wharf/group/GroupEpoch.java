package io.wharf.group;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * A group's epoch and the topics its members subscribe to, each with the partition count the
 * epoch was computed from: a change of either bumps the epoch. The value of a group-metadata
 * record. Immutable.
 *
 * @param epoch            the group epoch
 * @param subscribedTopics topic → partition count, for every existing topic some member
 *                         subscribes to; stored sorted by topic
 */
public record GroupEpoch(int epoch, Map<String, Integer> subscribedTopics) {

    public GroupEpoch {
        subscribedTopics = Collections.unmodifiableSortedMap(new TreeMap<>(subscribedTopics));
    }
}
