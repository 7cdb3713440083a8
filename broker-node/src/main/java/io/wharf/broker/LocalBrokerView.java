package io.wharf.broker;

import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import java.util.Collections;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One broker's own standing as a metadata image records it: its registration (epoch, fenced) and
 * the partitions it leads. Immutable.
 *
 * @param brokerId     the broker this view is about
 * @param offset       the metadata offset of the image it was read from
 * @param registration the broker's latest registration, empty when it never registered
 * @param leaderships  partition → state, for every partition whose leader is this broker
 */
public record LocalBrokerView(int brokerId, long offset, Optional<BrokerRegistration> registration,
                              SortedMap<TopicPartition, PartitionState> leaderships) {

    public LocalBrokerView {
        leaderships = Collections.unmodifiableSortedMap(new TreeMap<>(leaderships));
    }

    /** Reads {@code brokerId}'s standing from {@code image}. */
    public static LocalBrokerView of(MetadataImage image, int brokerId) {
        SortedMap<TopicPartition, PartitionState> led = new TreeMap<>();
        for (TopicImage topic : image.topics().values()) {
            addLeaderships(topic, brokerId, led);
        }
        return new LocalBrokerView(brokerId, image.offset(), image.broker(brokerId), led);
    }

    /** Adds every partition of {@code topic} that {@code brokerId} leads to {@code into}. */
    static void addLeaderships(TopicImage topic, int brokerId, SortedMap<TopicPartition, PartitionState> into) {
        for (PartitionState partition : topic.partitions().values()) {
            if (partition.leader() == brokerId) {
                into.put(new TopicPartition(topic.name(), partition.partition()), partition);
            }
        }
    }

    /** Registered and not fenced. */
    public boolean isActive() {
        return registration.map(r -> !r.fenced()).orElse(false);
    }

    /** Registered and fenced (just registered, session expired or shut down). */
    public boolean isFenced() {
        return registration.map(BrokerRegistration::fenced).orElse(false);
    }

    /** The epoch of the latest registration, -1 when never registered. */
    public long epoch() {
        return registration.map(BrokerRegistration::epoch).orElse(-1L);
    }
}
