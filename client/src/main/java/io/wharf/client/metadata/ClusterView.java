package io.wharf.client.metadata;

import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The client's picture of the cluster: broker endpoints and, per partition, the leader and its
 * epoch, as one broker last described them (plus leader redirects learned since). Immutable.
 */
public final class ClusterView {

    /** A partition's leader as known to the client; {@code leaderId} -1 when none. */
    public record PartitionLeader(int leaderId, int leaderEpoch) {
    }

    private final Map<Integer, Endpoint> brokers;
    private final Map<String, Integer> partitionCounts;
    private final Map<TopicPartition, PartitionLeader> leaders;
    private final long createdMs;

    ClusterView(Map<Integer, Endpoint> brokers, Map<String, Integer> partitionCounts,
                Map<TopicPartition, PartitionLeader> leaders, long createdMs) {
        this.brokers = Map.copyOf(brokers);
        this.partitionCounts = Map.copyOf(partitionCounts);
        this.leaders = Map.copyOf(leaders);
        this.createdMs = createdMs;
    }

    static ClusterView empty() {
        return new ClusterView(Map.of(), Map.of(), Map.of(), Long.MIN_VALUE / 2);
    }

    static ClusterView of(DescribeMetadataResponse response, long nowMs) {
        Map<Integer, Endpoint> brokers = new HashMap<>();
        for (BrokerInfo broker : response.getBrokersList()) {
            if (!broker.getHost().isBlank() && broker.getPort() > 0) {
                brokers.put(broker.getId(), new Endpoint(broker.getHost(), broker.getPort()));
            }
        }
        Map<String, Integer> counts = new HashMap<>();
        Map<TopicPartition, PartitionLeader> leaders = new HashMap<>();
        for (TopicDescription topic : response.getTopicsList()) {
            counts.put(topic.getName(), topic.getPartitionsCount());
            for (PartitionInfo partition : topic.getPartitionsList()) {
                leaders.put(new TopicPartition(topic.getName(), partition.getPartition()),
                        new PartitionLeader(partition.getLeader(), partition.getLeaderEpoch()));
            }
        }
        return new ClusterView(brokers, counts, leaders, nowMs);
    }

    /** This view with {@code tp} led by {@code leaderId} at {@code endpoint} (from a NOT_LEADER redirect). */
    ClusterView withLeader(TopicPartition tp, int leaderId, Endpoint endpoint) {
        Map<Integer, Endpoint> newBrokers = new HashMap<>(brokers);
        if (endpoint != null) {
            newBrokers.put(leaderId, endpoint);
        }
        Map<TopicPartition, PartitionLeader> newLeaders = new HashMap<>(leaders);
        PartitionLeader old = leaders.get(tp);
        newLeaders.put(tp, new PartitionLeader(leaderId, old == null ? -1 : old.leaderEpoch()));
        return new ClusterView(newBrokers, partitionCounts, newLeaders, createdMs);
    }

    /** The number of partitions of {@code topic}, when the topic is known. */
    public Optional<Integer> partitionCount(String topic) {
        return Optional.ofNullable(partitionCounts.get(topic));
    }

    /** The known leader of {@code tp} and its endpoint, when both are known. */
    public Optional<Endpoint> leaderEndpoint(TopicPartition tp) {
        PartitionLeader leader = leaders.get(tp);
        return leader == null || leader.leaderId() < 0 ? Optional.empty() : Optional.ofNullable(brokers.get(leader.leaderId()));
    }

    public Optional<PartitionLeader> leader(TopicPartition tp) {
        return Optional.ofNullable(leaders.get(tp));
    }

    public Optional<Endpoint> broker(int id) {
        return Optional.ofNullable(brokers.get(id));
    }

    public List<Endpoint> brokerEndpoints() {
        return List.copyOf(brokers.values());
    }

    public boolean hasTopic(String topic) {
        return partitionCounts.containsKey(topic);
    }

    long createdMs() {
        return createdMs;
    }
}
