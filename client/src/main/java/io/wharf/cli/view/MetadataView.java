package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.cli.cluster.BrokerStates;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.util.Comparator;
import java.util.List;

/**
 * What {@code wharf metadata --json} prints: controllers, brokers and topics, in the shape the
 * issue fixes ({@code leaderEpoch} is camel-case there; other multi-word keys are snake-case).
 * Immutable.
 */
public record MetadataView(List<ControllerView> controllers, List<BrokerView> brokers, List<TopicView> topics) {

    public MetadataView {
        controllers = List.copyOf(controllers);
        brokers = List.copyOf(brokers);
        topics = List.copyOf(topics);
    }

    /** A controller: {@code leader} is true for the one the quorum follows. */
    public record ControllerView(int id, String address, boolean leader, long term, String role,
                                 @JsonProperty("applied_index") long appliedIndex) {
    }

    /** A broker: {@code state} is "active" or "fenced". */
    public record BrokerView(int id, String state, long epoch, String endpoint,
                             @JsonProperty("ms_since_heartbeat") long msSinceHeartbeat) {
    }

    public record TopicView(String name, List<PartitionView> partitions) {
    }

    public record PartitionView(int id, int leader, List<Integer> replicas, List<Integer> isr,
                                @JsonProperty("leaderEpoch") int leaderEpoch) {
    }

    public static MetadataView of(DescribeClusterResponse cluster, List<TopicDescription> topics) {
        List<ControllerView> controllers = cluster.getControllersList().stream()
                .sorted(Comparator.comparingInt(ControllerInfo::getId))
                .map(c -> new ControllerView(c.getId(), c.getAddress(), c.getId() == cluster.getLeaderId(), c.getTerm(),
                        c.getRole(), c.getAppliedIndex()))
                .toList();
        List<BrokerView> brokers = cluster.getBrokersList().stream()
                .sorted(Comparator.comparingInt(BrokerInfo::getId))
                .map(b -> new BrokerView(b.getId(), BrokerStates.name(b.getState()), b.getEpoch(),
                        b.getHost() + ":" + b.getPort(), b.getMsSinceHeartbeat()))
                .toList();
        return new MetadataView(controllers, brokers, topics.stream()
                .sorted(Comparator.comparing(TopicDescription::getName))
                .map(t -> new TopicView(t.getName(), partitionsOf(t)))
                .toList());
    }

    static List<PartitionView> partitionsOf(TopicDescription topic) {
        return topic.getPartitionsList().stream()
                .sorted(Comparator.comparingInt(PartitionInfo::getPartition))
                .map(p -> new PartitionView(p.getPartition(), p.getLeader(), p.getReplicasList(), p.getIsrList(),
                        p.getLeaderEpoch()))
                .toList();
    }
}
