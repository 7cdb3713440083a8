package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.grpc.stub.StreamObserver;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.broker.SubscribeRequest;
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
import io.wharf.proto.queue.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Exchanges, queues and bindings declared on an {@link InProcessCluster} as the SDK's admin client
 * would (each call returns once every broker routes by it), where each queue is served, and
 * publishes with confirms over the Publish stream.
 */
final class QueueTestAdmin {

    private final InProcessCluster cluster;
    private final List<StreamConsumer> consumers = new ArrayList<>();

    QueueTestAdmin(InProcessCluster cluster) {
        this.cluster = cluster;
    }

    /** Starts the controllers and brokers 1 to 3 with {@code brokerOverrides}; returns once all are active. */
    void startCluster(Map<String, String> brokerOverrides) throws Exception {
        cluster.startControllers(Map.of());
        cluster.startMissingBrokers(3, brokerOverrides);
    }

    /** A consumer of {@code queue} on its leader with {@code prefetch}; closed by {@link #closeConsumers}. */
    StreamConsumer consume(String queue, int prefetch) {
        return consume(queue, SubscribeRequest.newBuilder().setQueue(queue).setPrefetch(prefetch).build());
    }

    /** A consumer on the queue's leader, subscribing with {@code subscribe}; closed by {@link #closeConsumers}. */
    StreamConsumer consume(String queue, SubscribeRequest subscribe) {
        StreamConsumer consumer = new StreamConsumer(cluster.channel(leaderOf(queue)), subscribe);
        consumers.add(consumer);
        return consumer;
    }

    /** Closes every consumer {@link #consume} made, as clients that cancel. */
    void closeConsumers() {
        consumers.forEach(StreamConsumer::close);
        consumers.clear();
    }

    /** The consumer's next delivery, waiting for it. */
    static Delivery next(StreamConsumer consumer) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !consumer.deliveries.isEmpty());
        return consumer.deliveries.poll();
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

    /**
     * Publishes {@code messages} on one stream through {@code brokerId} as publisher
     * {@code publisherId} with sequences 1, 2, ..., in batches of up to three; returns the
     * confirms by sequence once all came.
     */
    Map<Long, PublishResponse> publish(int brokerId, String publisherId, String exchange, String key,
                                       List<Message> messages, boolean mandatory) {
        ConcurrentMap<Long, PublishResponse> confirms = new ConcurrentHashMap<>();
        StreamObserver<PublishBatch> stream = BrokerServiceGrpc.newStub(cluster.channel(brokerId))
                .publish(new StreamObserver<>() {
                    @Override
                    public void onNext(PublishConfirms batch) {
                        batch.getConfirmsList().forEach(response -> confirms.put(response.getSequence(), response));
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onCompleted() {
                    }
                });
        PublishBatch.Builder batch = PublishBatch.newBuilder();
        for (int i = 0; i < messages.size(); i++) {
            batch.addPublishes(PublishRequest.newBuilder().setPublisherId(publisherId).setSequence(i + 1)
                    .setExchange(exchange).setRoutingKey(key).setMandatory(mandatory).setMessage(messages.get(i)));
            if (batch.getPublishesCount() == 3 || i == messages.size() - 1) {
                stream.onNext(batch.build());
                batch = PublishBatch.newBuilder();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> confirms.size() == messages.size());
        stream.onCompleted();
        return confirms;
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
