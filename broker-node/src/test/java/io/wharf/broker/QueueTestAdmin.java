package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.controller.BindRequest;
import io.wharf.proto.controller.DeclareExchangeRequest;
import io.wharf.proto.controller.DeclareQueueRequest;
import io.wharf.proto.controller.DeclareQueueResponse;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import java.time.Duration;
import java.util.Map;

/**
 * Exchanges, queues and bindings declared on an {@link InProcessCluster} as the SDK's admin client
 * would (each call returns once every broker routes by it), and where each queue is served.
 */
final class QueueTestAdmin {

    private final InProcessCluster cluster;

    QueueTestAdmin(InProcessCluster cluster) {
        this.cluster = cluster;
    }

    /** Declares the queue; returns once it has a serving leader and every broker's image holds it. */
    void declareQueue(String name, Map<String, String> arguments) throws Exception {
        DeclareQueueResponse response = cluster.controllers(stub -> stub.declareQueue(DeclareQueueRequest.newBuilder()
                .setQueue(DeclareQueueCommand.newBuilder().setName(name).putAllArguments(arguments)).build()),
                DeclareQueueResponse::getError);
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
        // Every broker routes (dead letters too) from its own image: wait until all have the queue.
        await().atMost(Duration.ofSeconds(20)).until(() -> leaderOf(name) > 0 && cluster.brokers().values().stream()
                .allMatch(b -> b.metadataImage().queue(name).isPresent()));
    }

    void declareExchange(String name, ExchangeType type) throws Exception {
        var response = cluster.controllers(stub -> stub.declareExchange(DeclareExchangeRequest.newBuilder()
                .setExchange(DeclareExchangeCommand.newBuilder().setName(name).setType(type)).build()),
                r -> r.getError());
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
    }

    /** Binds the queue; returns once every broker routes by the binding. */
    void bind(String exchange, String queue, String key) throws Exception {
        var response = cluster.controllers(stub -> stub.bind(BindRequest.newBuilder().setBinding(BindingInfo.newBuilder()
                .setSource(exchange).setDestination(queue).setDestinationKind(DestinationKind.QUEUE)
                .setRoutingKey(key)).build()), r -> r.getError());
        assertEquals(ErrorCode.NONE, response.getError().getCode(), response.toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.brokers().values().stream().allMatch(b ->
                b.metadataImage().bindings().stream().anyMatch(binding -> binding.getSource().equals(exchange)
                        && binding.getDestination().equals(queue) && binding.getRoutingKey().equals(key))));
    }

    /** The broker leading the queue's log and serving it, or -1. */
    int leaderOf(String queue) {
        for (BrokerNode broker : cluster.brokers().values()) {
            var image = broker.metadataImage();
            var queueImage = image.queue(queue);
            if (queueImage.isPresent()) {
                int leader = image.topic(queueImage.get().topic()).flatMap(t -> t.partition(0))
                        .map(p -> p.leader()).orElse(-1);
                if (leader > 0 && cluster.brokers().containsKey(leader)
                        && cluster.replica(leader, new TopicPartition(queueImage.get().topic(), 0))
                                .map(p -> p.isLeader()).orElse(false)) {
                    return leader;
                }
            }
        }
        return -1;
    }

    /** A running broker other than {@code broker}. */
    int otherThan(int broker) {
        return cluster.brokers().keySet().stream().filter(id -> id != broker).findFirst().orElseThrow();
    }

    /** The queue as its leader describes it, once a leader serves it. */
    DescribeQueueResponse describe(String queue) {
        DescribeQueueResponse[] served = new DescribeQueueResponse[1];
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            int leader = leaderOf(queue);
            if (leader < 0) {
                return false;
            }
            served[0] = cluster.stub(leader).describeQueue(DescribeQueueRequest.newBuilder().setQueue(queue).build());
            return served[0].getError().getCode() == ErrorCode.NONE;
        });
        return served[0];
    }
}
