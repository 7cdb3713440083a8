package io.wharf.broker.console;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.group.OffsetsTopic;
import io.wharf.broker.queue.QueueFigures;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.QueueImage;
import io.wharf.metadata.QueueNames;
import io.wharf.metadata.TopicImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Builds the console's {@link ClusterSnapshot}: a pure function of its {@link ConsoleInputs}. */
final class SnapshotBuilder {

    private SnapshotBuilder() {
    }

    static ClusterSnapshot build(ConsoleInputs in) {
        MetadataImage image = in.image();
        return new ClusterSnapshot(in.brokerId(), in.nowMs(), image.offset(), in.adminEnabled(),
                controllers(in.controllers(), in.nowMs()), brokers(image, in.controllers(), in.nowMs()),
                topics(in), queues(image, in.queues()),
                in.groups().stream().sorted(Comparator.comparing(ClusterSnapshot.Group::groupId)).toList(),
                in.timeline().failovers());
    }

    private static ClusterSnapshot.Controllers controllers(ControllerView view, long nowMs) {
        long polledAgo = view.nodesPolledAtMs() == 0 ? -1 : Math.max(0, nowMs - view.nodesPolledAtMs());
        return new ClusterSnapshot.Controllers(view.leaderId(), view.nodes(), polledAgo, view.error());
    }

    private static List<ClusterSnapshot.Broker> brokers(MetadataImage image, ControllerView controllers, long nowMs) {
        Map<Integer, Integer> leaderships = new HashMap<>();
        for (TopicImage topic : image.topics().values()) {
            for (PartitionState partition : topic.partitions().values()) {
                if (partition.leader() >= 0) {
                    leaderships.merge(partition.leader(), 1, Integer::sum);
                }
            }
        }
        List<ClusterSnapshot.Broker> brokers = new ArrayList<>();
        for (BrokerRegistration broker : image.brokers().values()) {
            Long age = controllers.msSinceHeartbeat().get(broker.id());
            // The age was measured at the poll; it has grown by the time since.
            long ageNow = age == null ? -1 : age + Math.max(0, nowMs - controllers.polledAtMs());
            brokers.add(new ClusterSnapshot.Broker(broker.id(), broker.endpoint(), broker.rack(), state(broker),
                    broker.epoch(), ageNow, leaderships.getOrDefault(broker.id(), 0)));
        }
        brokers.sort(Comparator.comparingInt(ClusterSnapshot.Broker::id));
        return brokers;
    }

    private static String state(BrokerRegistration broker) {
        if (broker.shutDown()) {
            return "shut down";
        }
        return broker.fenced() ? "fenced" : "active";
    }

    private static List<ClusterSnapshot.Topic> topics(ConsoleInputs in) {
        Map<TopicPartition, Long> leaderless = in.timeline().leaderlessSince();
        List<ClusterSnapshot.Topic> topics = new ArrayList<>();
        for (TopicImage topic : in.image().topics().values()) {
            List<ClusterSnapshot.Partition> partitions = new ArrayList<>();
            for (PartitionState state : topic.partitions().values()) {
                TopicPartition id = new TopicPartition(topic.name(), state.partition());
                ReplicaFigures.Replica replica = in.replicas().replicas().get(id);
                partitions.add(new ClusterSnapshot.Partition(state.partition(), state.leader(), state.replicas(),
                        state.isr(), state.leaderEpoch(), replica == null ? null : replica.logEndOffset(),
                        replica == null ? null : replica.sizeBytes(), in.rates().get(id), leaderless.get(id)));
            }
            boolean internal = topic.name().equals(OffsetsTopic.NAME) || QueueNames.isQueueTopic(topic.name());
            topics.add(new ClusterSnapshot.Topic(topic.name(), topic.topicId(), internal, partitions));
        }
        topics.sort(Comparator.comparing(ClusterSnapshot.Topic::internal).thenComparing(ClusterSnapshot.Topic::name));
        return topics;
    }

    private static List<ClusterSnapshot.Queue> queues(MetadataImage image, Map<String, QueueFigures> figures) {
        List<ClusterSnapshot.Queue> queues = new ArrayList<>();
        for (QueueImage queue : image.queues().values()) {
            Optional<PartitionState> log = image.topic(queue.topic()).flatMap(t -> t.partition(0));
            QueueFigures led = figures.get(queue.name());
            queues.add(new ClusterSnapshot.Queue(queue.name(), log.map(PartitionState::leader).orElse(-1),
                    log.map(PartitionState::isr).orElse(List.of()), led == null ? null : led.ready(),
                    led == null ? null : led.unacked(), led == null ? null : led.consumers()));
        }
        queues.sort(Comparator.comparing(ClusterSnapshot.Queue::name));
        return queues;
    }
}
