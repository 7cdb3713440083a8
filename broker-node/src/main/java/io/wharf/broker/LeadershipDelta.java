package io.wharf.broker;

import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * How one broker's partition leaderships differ between two images. Immutable.
 *
 * @param gained partitions it leads in the newer image but did not lead before (or leads under a
 *               new leader epoch), with their new state
 * @param lost   partitions it led in the older image and no longer leads (moved, or topic gone),
 *               with their old state
 */
public record LeadershipDelta(SortedMap<TopicPartition, PartitionState> gained,
                              SortedMap<TopicPartition, PartitionState> lost) {

    public LeadershipDelta {
        gained = Collections.unmodifiableSortedMap(new TreeMap<>(gained));
        lost = Collections.unmodifiableSortedMap(new TreeMap<>(lost));
    }

    /**
     * Compares {@code previous} and {@code current} for {@code brokerId}. Topics the newer image
     * shares unchanged with the older (same instance) are skipped, so a batch that touched one
     * topic costs one topic's partitions.
     */
    public static LeadershipDelta between(MetadataImage previous, MetadataImage current, int brokerId) {
        SortedMap<TopicPartition, PartitionState> gained = new TreeMap<>();
        SortedMap<TopicPartition, PartitionState> lost = new TreeMap<>();
        for (Map.Entry<String, TopicImage> entry : current.topics().entrySet()) {
            TopicImage before = previous.topics().get(entry.getKey());
            if (before != entry.getValue()) {
                compareTopic(before, entry.getValue(), brokerId, gained, lost);
            }
        }
        for (Map.Entry<String, TopicImage> entry : previous.topics().entrySet()) {
            if (!current.topics().containsKey(entry.getKey())) {
                LocalBrokerView.addLeaderships(entry.getValue(), brokerId, lost);
            }
        }
        return new LeadershipDelta(gained, lost);
    }

    private static void compareTopic(TopicImage before, TopicImage after, int brokerId,
                                     SortedMap<TopicPartition, PartitionState> gained,
                                     SortedMap<TopicPartition, PartitionState> lost) {
        SortedMap<TopicPartition, PartitionState> ledBefore = new TreeMap<>();
        // A re-created topic (new id) starts over: nothing carries across from the deleted one.
        if (before != null && before.topicId().equals(after.topicId())) {
            LocalBrokerView.addLeaderships(before, brokerId, ledBefore);
        } else if (before != null) {
            LocalBrokerView.addLeaderships(before, brokerId, lost);
        }
        SortedMap<TopicPartition, PartitionState> ledAfter = new TreeMap<>();
        LocalBrokerView.addLeaderships(after, brokerId, ledAfter);
        for (Map.Entry<TopicPartition, PartitionState> entry : ledAfter.entrySet()) {
            PartitionState old = ledBefore.get(entry.getKey());
            if (old == null || old.leaderEpoch() != entry.getValue().leaderEpoch()) {
                gained.put(entry.getKey(), entry.getValue());
            }
        }
        for (Map.Entry<TopicPartition, PartitionState> entry : ledBefore.entrySet()) {
            if (!ledAfter.containsKey(entry.getKey())) {
                lost.put(entry.getKey(), entry.getValue());
            }
        }
    }

    /** True when nothing changed. */
    public boolean isEmpty() {
        return gained.isEmpty() && lost.isEmpty();
    }
}
