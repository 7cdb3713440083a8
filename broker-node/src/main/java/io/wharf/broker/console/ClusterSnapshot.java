package io.wharf.broker.console;

import java.util.List;

/**
 * Everything the console page shows, as one broker saw it at one moment; sent to the page as
 * JSON. Immutable. Figures this broker cannot know are null (a log it does not host, a queue it
 * does not lead).
 *
 * @param brokerId       the broker serving the page
 * @param generatedAtMs  when the snapshot was built (wall clock)
 * @param metadataOffset the offset of this broker's metadata image
 * @param adminEnabled   whether the page may create and delete topics ({@code console.admin.enabled})
 * @param timeline       leadership changes since this broker started, oldest first
 */
public record ClusterSnapshot(int brokerId, long generatedAtMs, long metadataOffset, boolean adminEnabled,
                              Controllers controllers, List<Broker> brokers, List<Topic> topics, List<Queue> queues,
                              List<Group> groups, List<Failover> timeline) {

    public ClusterSnapshot {
        brokers = List.copyOf(brokers);
        topics = List.copyOf(topics);
        queues = List.copyOf(queues);
        groups = List.copyOf(groups);
        timeline = List.copyOf(timeline);
    }

    /**
     * The controller quorum.
     *
     * @param polledAgoMs how long ago the controllers last answered, -1 when they never did
     * @param error       why the latest poll failed, "" when it did not
     */
    public record Controllers(int leaderId, List<ControllerView.Node> nodes, long polledAgoMs, String error) {
        public Controllers {
            nodes = List.copyOf(nodes);
        }
    }

    /**
     * One registered broker.
     *
     * @param state          active, fenced or shut down
     * @param heartbeatAgeMs how long ago the active controller last heard it, -1 when unknown
     * @param leaderships    partitions it leads
     */
    public record Broker(int id, String endpoint, String rack, String state, long epoch, long heartbeatAgeMs,
                         int leaderships) {
    }

    /** One topic; internal ones hold consumer-group offsets or a queue's log. */
    public record Topic(String name, String topicId, boolean internal, List<Partition> partitions) {
        public Topic {
            partitions = List.copyOf(partitions);
        }
    }

    /**
     * One partition.
     *
     * @param leader            -1 when it has none
     * @param logEndOffset      of this broker's replica, null when it hosts none
     * @param sizeBytes         of this broker's replica, null when it hosts none
     * @param recordsPerSecond  appended to this broker's replica over the last refresh, null when unknown
     * @param leaderlessSinceMs when it lost its live leader, null while it has one
     */
    public record Partition(int partition, int leader, List<Integer> replicas, List<Integer> isr, int leaderEpoch,
                            Long logEndOffset, Long sizeBytes, Double recordsPerSecond, Long leaderlessSinceMs) {
        public Partition {
            replicas = List.copyOf(replicas);
            isr = List.copyOf(isr);
        }
    }

    /**
     * One queue; the message counts come from its leader, so they are null on the other brokers' pages.
     */
    public record Queue(String name, int leader, List<Integer> isr, Long ready, Long unacked, Long consumers) {
        public Queue {
            isr = List.copyOf(isr);
        }
    }

    /** A consumer group this broker coordinates. */
    public record Group(String groupId, String state, int members) {
    }
}
