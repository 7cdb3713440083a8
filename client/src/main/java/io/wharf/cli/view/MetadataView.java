package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.wharf.cli.cluster.BrokerStates;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.ControllerInfo;
import io.wharf.proto.controller.DescribeClusterResponse;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code wharf metadata --json} prints: controllers, brokers and topics, in the shape the
 * issue fixes ({@code leaderEpoch} is camel-case there; other multi-word keys are snake-case),
 * then exchanges, queues and bindings. Immutable.
 */
public record MetadataView(List<ControllerView> controllers, List<BrokerView> brokers, List<TopicView> topics,
                           List<ExchangeView> exchanges, List<QueueView> queues, List<BindingView> bindings) {

    public MetadataView {
        controllers = List.copyOf(controllers);
        brokers = List.copyOf(brokers);
        topics = List.copyOf(topics);
        exchanges = List.copyOf(exchanges);
        queues = List.copyOf(queues);
        bindings = List.copyOf(bindings);
    }

    /** An exchange: {@code type} is direct, fanout, topic or headers; built-ins are "" and amq.*. */
    public record ExchangeView(String name, String type, boolean internal, boolean builtin,
                               Map<String, String> arguments) {
    }

    /** A queue and where its log is led. */
    public record QueueView(String name, int leader, List<Integer> replicas, List<Integer> isr,
                            Map<String, String> arguments) {
    }

    /** {@code destination_kind} is queue or exchange. */
    @JsonPropertyOrder({"source", "destination", "destination_kind", "routing_key", "arguments"})
    public record BindingView(String source, String destination,
                              @JsonProperty("destination_kind") String destinationKind,
                              @JsonProperty("routing_key") String routingKey, Map<String, String> arguments) {
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

    public static MetadataView of(DescribeClusterResponse cluster, List<TopicDescription> topics,
                                  List<ExchangeInfo> exchanges, List<QueueInfo> queues, List<BindingInfo> bindings) {
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
                .toList(),
                exchanges.stream().sorted(Comparator.comparing(ExchangeInfo::getName))
                        .map(e -> new ExchangeView(e.getName(), e.getType().name().toLowerCase(Locale.ROOT),
                                e.getInternal(), e.getBuiltin(), new TreeMap<>(e.getArgumentsMap())))
                        .toList(),
                queues.stream().sorted(Comparator.comparing(QueueInfo::getName))
                        .map(q -> new QueueView(q.getName(), q.getPartition().getLeader(),
                                q.getPartition().getReplicasList(), q.getPartition().getIsrList(),
                                new TreeMap<>(q.getArgumentsMap())))
                        .toList(),
                bindings.stream()
                        .map(b -> new BindingView(b.getSource(), b.getDestination(),
                                b.getDestinationKind().name().toLowerCase(Locale.ROOT), b.getRoutingKey(),
                                new TreeMap<>(b.getArgumentsMap())))
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
