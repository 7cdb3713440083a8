package io.wharf.broker.metrics;

import io.wharf.broker.MetadataListener;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import java.util.Map;

/**
 * Feeds {@link BrokerMetrics} from metadata changes: ISR shrinks and expands of the partitions
 * this broker leads in the newer image, and the end of a deleted topic's series.
 *
 * <p>ISR changes are counted from the committed metadata rather than where the leader proposes
 * them, so the controller's own changes (a fenced follower dropped from the ISR, a failover that
 * leaves the old leader out) count too, once, on the partition's leader. Stateless besides the
 * metrics; calls come one at a time from the metadata follower.
 */
public final class MetadataMetrics implements MetadataListener {

    private final int brokerId;
    private final BrokerMetrics metrics;

    /** Counts for broker {@code brokerId} into {@code metrics}. */
    public MetadataMetrics(int brokerId, BrokerMetrics metrics) {
        this.brokerId = brokerId;
        this.metrics = metrics;
    }

    @Override
    public void onImageChanged(MetadataImage previous, MetadataImage current) {
        for (Map.Entry<String, TopicImage> entry : current.topics().entrySet()) {
            TopicImage before = previous.topics().get(entry.getKey());
            // Unchanged topics are shared between images; a re-created topic (new id) has no history.
            if (before != null && before != entry.getValue() && before.topicId().equals(entry.getValue().topicId())) {
                countIsrChanges(before, entry.getValue());
            }
        }
        for (String topic : previous.topics().keySet()) {
            if (!current.topics().containsKey(topic)) {
                metrics.forgetTopic(topic);
            }
        }
    }

    private void countIsrChanges(TopicImage before, TopicImage after) {
        for (PartitionState now : after.partitions().values()) {
            PartitionState then = before.partitions().get(now.partition());
            if (then == null || now.leader() != brokerId || then.isr().equals(now.isr())) {
                continue;
            }
            if (!now.isr().containsAll(then.isr())) {
                metrics.recordIsrShrink();
            }
            if (!then.isr().containsAll(now.isr())) {
                metrics.recordIsrExpand();
            }
        }
    }
}
