package io.wharf.broker;

import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Logs, at INFO, what the metadata says about this broker: its registration being fenced or
 * unfenced, and the partition leaderships it gains or loses. Stateless; called by the
 * {@link MetadataFollower} one change at a time.
 */
final class LocalStateLogger implements MetadataListener {

    private static final Logger log = LoggerFactory.getLogger(LocalStateLogger.class);

    private final int brokerId;

    LocalStateLogger(int brokerId) {
        this.brokerId = brokerId;
    }

    @Override
    public void onImageChanged(MetadataImage previous, MetadataImage current) {
        Optional<BrokerRegistration> before = previous.broker(brokerId);
        Optional<BrokerRegistration> after = current.broker(brokerId);
        if (!before.equals(after) && after.isPresent()) {
            BrokerRegistration now = after.get();
            boolean wasFenced = before.map(BrokerRegistration::fenced).orElse(true);
            boolean sameEpoch = before.map(b -> b.epoch() == now.epoch()).orElse(false);
            if (!sameEpoch || wasFenced != now.fenced()) {
                log.info("Metadata at offset {} shows broker {} {} (epoch {})", current.offset(), brokerId,
                        now.fenced() ? "fenced" : "active", now.epoch());
            }
        }
        LeadershipDelta delta = LeadershipDelta.between(previous, current, brokerId);
        for (Map.Entry<TopicPartition, PartitionState> lost : delta.lost().entrySet()) {
            if (!delta.gained().containsKey(lost.getKey())) {
                log.info("Broker {} no longer leads {} (metadata offset {})", brokerId, lost.getKey(), current.offset());
            }
        }
        for (Map.Entry<TopicPartition, PartitionState> gained : delta.gained().entrySet()) {
            log.info("Broker {} leads {} at leader epoch {} (metadata offset {})", brokerId, gained.getKey(),
                    gained.getValue().leaderEpoch(), current.offset());
        }
    }
}
