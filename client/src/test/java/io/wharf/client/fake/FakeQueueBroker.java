package io.wharf.client.fake;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DeleteQueueResponse;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.PurgeQueueResponse;
import io.wharf.proto.broker.QueueConsumerInfo;
import io.wharf.proto.broker.SettleRequest;
import io.wharf.proto.broker.SubscribeOk;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import io.wharf.client.fake.FakeQueueCluster.FakeConsumer;
import io.wharf.client.fake.FakeQueueCluster.FakeQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One broker of a {@link FakeQueueCluster}: routes publishes, runs consumers of the queues it
 * leads and answers the leader-side queue calls. Thread-safe (every call locks the cluster).
 */
final class FakeQueueBroker extends BrokerServiceGrpc.BrokerServiceImplBase {

    private final FakeQueueCluster cluster;
    private final int id;

    FakeQueueBroker(FakeQueueCluster cluster, int id) {
        this.cluster = cluster;
        this.id = id;
    }

    @Override
    public void describeMetadata(DescribeMetadataRequest request, StreamObserver<DescribeMetadataResponse> observer) {
        DescribeMetadataResponse.Builder response = DescribeMetadataResponse.newBuilder().setBrokerId(id);
        cluster.brokers().forEach((broker, endpoint) -> response.addBrokers(BrokerInfo.newBuilder().setId(broker)
                .setHost(endpoint.host()).setPort(endpoint.port())));
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public StreamObserver<PublishBatch> publish(StreamObserver<PublishConfirms> responses) {
        return new StreamObserver<>() {
            private boolean broken;

            @Override
            public void onNext(PublishBatch batch) {
                synchronized (cluster) {
                    cluster.publishBatchSizes.add(batch.getPublishesCount());
                    PublishConfirms.Builder confirms = PublishConfirms.newBuilder();
                    for (PublishRequest request : batch.getPublishesList()) {
                        if (broken) {
                            break;
                        }
                        publishOne(request, confirms);
                    }
                    if (confirms.getConfirmsCount() > 0) {
                        responses.onNext(confirms.build());
                    }
                }
            }

            /** Meets the next scripted fate: a confirm, an error, a break. Caller holds the lock. */
            private void publishOne(PublishRequest request, PublishConfirms.Builder confirms) {
                cluster.publishes.add(new FakeQueueCluster.Received(id, request));
                if (cluster.behind.contains(id)) {
                    confirms.addConfirms(PublishResponse.newBuilder().setSequence(request.getSequence())
                            .setError(Error.newBuilder().setCode(ErrorCode.NOT_LEADER).setLeaderId(-1)
                                    .setMessage("broker " + id + " has not caught up with the cluster's metadata")));
                    return;
                }
                Object fate = cluster.publishScript.isEmpty() ? FakeQueueCluster.PublishFate.CONFIRM
                        : cluster.publishScript.poll();
                if (fate instanceof ErrorCode code) {
                    confirms.addConfirms(PublishResponse.newBuilder().setSequence(request.getSequence())
                            .setError(Error.newBuilder().setCode(code).setMessage("scripted " + code)));
                    return;
                }
                if (fate == FakeQueueCluster.PublishFate.BREAK) {
                    breakOff(confirms, "scripted break");
                    return;
                }
                PublishResponse response = route(request);
                if (fate == FakeQueueCluster.PublishFate.STORE_THEN_BREAK) {
                    breakOff(confirms, "scripted break after storing");
                    return;
                }
                if (fate != FakeQueueCluster.PublishFate.SILENT) {
                    confirms.addConfirms(response);
                }
            }

            /** Sends the confirms of the batch so far, then breaks the stream. */
            private void breakOff(PublishConfirms.Builder confirms, String why) {
                broken = true;
                if (confirms.getConfirmsCount() > 0) {
                    responses.onNext(confirms.build());
                    confirms.clear();
                }
                responses.onError(Status.UNAVAILABLE.withDescription(why).asRuntimeException());
            }

            @Override
            public void onError(Throwable t) {
                // the publisher went away: nothing to clean up
            }

            @Override
            public void onCompleted() {
                synchronized (cluster) {
                    if (!broken) {
                        responses.onCompleted();
                    }
                }
            }
        };
    }

    /** Stores the publish in every queue it routes to (once per publisher id and sequence). Caller holds the lock. */
    private PublishResponse route(PublishRequest request) {
        PublishResponse.Builder response = PublishResponse.newBuilder().setSequence(request.getSequence());
        if (!cluster.exchanges.containsKey(request.getExchange())) {
            return response.setError(Error.newBuilder().setCode(ErrorCode.NOT_FOUND)
                    .setMessage("no exchange '" + request.getExchange() + "'")).build();
        }
        List<FakeQueue> routed = cluster.route(request.getExchange(), request.getRoutingKey());
        Message message = request.getMessage().toBuilder().setExchange(request.getExchange())
                .setRoutingKey(request.getRoutingKey()).build();
        for (FakeQueue queue : routed) {
            if (queue.publishedSequences.add(request.getPublisherId() + ":" + request.getSequence())) {
                queue.store(message);
                cluster.pump(queue);
            }
        }
        return response.setAck(true).setReturned(routed.isEmpty() && request.getMandatory())
                .setRoutedQueues(routed.size()).build();
    }

    @Override
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> observer) {
        ServerCallStreamObserver<ConsumeResponse> responses = (ServerCallStreamObserver<ConsumeResponse>) observer;
        return new StreamObserver<>() {
            private FakeConsumer consumer;
            private boolean over;

            @Override
            public void onNext(ConsumeRequest request) {
                synchronized (cluster) {
                    if (over) {
                        return;
                    }
                    switch (request.getRequestCase()) {
                        case SUBSCRIBE -> subscribe(request.getSubscribe());
                        case ACK -> {
                            cluster.ackRequests++;
                            settle(request.getAck(), true);
                        }
                        case NACK -> settle(request.getNack(), false);
                        case PREFETCH -> {
                            consumer.prefetch = request.getPrefetch().getPrefetch();
                            cluster.pump(consumer.queue);
                        }
                        default -> end(Error.newBuilder().setCode(ErrorCode.INVALID_REQUEST).setMessage("empty request")
                                .build());
                    }
                }
            }

            private void subscribe(SubscribeRequest subscribe) {
                FakeQueue queue = cluster.queues.get(subscribe.getQueue());
                if (queue == null) {
                    end(Error.newBuilder().setCode(ErrorCode.NOT_FOUND).setMessage("no queue '" + subscribe.getQueue()
                            + "'").setLeaderId(-1).build());
                } else if (queue.leader != id) {
                    end(cluster.notLeader(queue.leader, "broker " + id + " does not lead queue '" + queue.name + "'"));
                } else if (subscribe.getExclusive() && !queue.consumers.isEmpty()
                        || queue.consumers.stream().anyMatch(c -> c.exclusive)) {
                    end(Error.newBuilder().setCode(ErrorCode.RESOURCE_LOCKED).setMessage("queue '" + queue.name
                            + "' has an exclusive consumer").setLeaderId(-1).build());
                } else {
                    String tag = subscribe.getConsumerTag().isEmpty() ? "ctag-" + (cluster.consumerCount + 1)
                            : subscribe.getConsumerTag();
                    cluster.consumerCount++;
                    consumer = new FakeConsumer(queue, responses, tag, subscribe.getPrefetch(), subscribe.getNoAck(),
                            subscribe.getExclusive());
                    queue.consumers.add(consumer);
                    responses.onNext(ConsumeResponse.newBuilder().setSubscribed(SubscribeOk.newBuilder()
                            .setConsumerTag(tag).setActive(true)).build());
                    cluster.pump(queue);
                }
            }

            private void settle(SettleRequest settle, boolean ack) {
                List<Long> tags = new ArrayList<>();
                if (settle.getDeliveryTagsCount() > 0) {
                    for (long tag : settle.getDeliveryTagsList()) {
                        if (!consumer.held.contains(tag)) {
                            cluster.settle(consumer, tags, ack, settle.getRequeue());
                            cluster.close(consumer, Error.newBuilder().setCode(ErrorCode.UNKNOWN_DELIVERY_TAG)
                                    .setMessage("unknown delivery tag " + tag).setLeaderId(-1).build());
                            over = true;
                            return;
                        }
                        tags.add(tag);
                    }
                } else if (settle.getMultiple()) {
                    tags.addAll(consumer.held.headSet(settle.getDeliveryTag(), true));
                } else if (consumer.held.contains(settle.getDeliveryTag())) {
                    tags.add(settle.getDeliveryTag());
                }
                if (tags.isEmpty()) {
                    cluster.close(consumer, Error.newBuilder().setCode(ErrorCode.UNKNOWN_DELIVERY_TAG)
                            .setMessage("unknown delivery tag " + settle.getDeliveryTag()).setLeaderId(-1).build());
                    over = true;
                    return;
                }
                cluster.settle(consumer, tags, ack, settle.getRequeue());
            }

            private void end(Error error) {
                over = true;
                responses.onNext(ConsumeResponse.newBuilder().setClosed(error).build());
                responses.onCompleted();
            }

            @Override
            public void onError(Throwable t) {
                synchronized (cluster) {
                    over = true;
                    if (consumer != null) {
                        cluster.gone(consumer);
                    }
                }
            }

            @Override
            public void onCompleted() {
                synchronized (cluster) {
                    if (consumer != null && consumer.queue.consumers.contains(consumer)) {
                        cluster.gone(consumer);
                    }
                    if (!over) {
                        over = true;
                        responses.onCompleted();
                    }
                }
            }
        };
    }

    /** The queue when this broker leads it; else answers the error through {@code fail} and returns null. */
    private FakeQueue led(String name, java.util.function.Consumer<Error> fail) {
        FakeQueue queue = cluster.queues.get(name);
        if (queue == null) {
            fail.accept(Error.newBuilder().setCode(ErrorCode.NOT_FOUND).setMessage("no queue '" + name + "'").build());
            return null;
        }
        if (queue.leader != id) {
            fail.accept(cluster.notLeader(queue.leader, "broker " + id + " does not lead queue '" + name + "'"));
            return null;
        }
        return queue;
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        GetResponse.Builder response = GetResponse.newBuilder();
        synchronized (cluster) {
            FakeQueue queue = led(request.getQueue(), response::setError);
            if (queue != null) {
                var next = queue.ready.pollFirstEntry();
                if (next == null) {
                    response.setEmpty(true);
                } else {
                    response.setDelivery(io.wharf.proto.broker.Delivery.newBuilder().setDeliveryTag(next.getKey())
                            .setRedelivered(next.getValue().redelivered).setMessage(next.getValue().message)
                            .setQueue(queue.name));
                }
                response.setMessageCount(queue.ready.size());
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void describeQueue(DescribeQueueRequest request, StreamObserver<DescribeQueueResponse> observer) {
        DescribeQueueResponse.Builder response = DescribeQueueResponse.newBuilder();
        synchronized (cluster) {
            FakeQueue queue = led(request.getQueue(), response::setError);
            if (queue != null) {
                response.setQueue(cluster.info(queue)).setReady(queue.ready.size()).setUnacked(queue.held.size())
                        .setReadyBytes(queue.ready.values().stream().mapToLong(s -> s.message.getBody().size()).sum())
                        .setLogEndOffset(queue.nextId)
                        // the fake kills no messages: fixed counts, to see them printed
                        .setDeadLettering(1).setDeadLettersDropped(2)
                        .putAllDiscarded(Map.of("rejected", 4L, "expired", 3L));
                queue.consumers.forEach(c -> response.addConsumers(QueueConsumerInfo.newBuilder().setConsumerTag(c.tag)
                        .setPrefetch(c.prefetch).setUnacked(c.held.size()).setActive(true).setNoAck(c.noAck)
                        .setExclusive(c.exclusive)));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void purgeQueue(PurgeQueueRequest request, StreamObserver<PurgeQueueResponse> observer) {
        PurgeQueueResponse.Builder response = PurgeQueueResponse.newBuilder();
        synchronized (cluster) {
            FakeQueue queue = led(request.getQueue(), response::setError);
            if (queue != null) {
                response.setPurged(queue.ready.size());
                queue.ready.clear();
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void deleteQueue(DeleteQueueRequest request, StreamObserver<DeleteQueueResponse> observer) {
        DeleteQueueResponse.Builder response = DeleteQueueResponse.newBuilder();
        synchronized (cluster) {
            FakeQueue queue = led(request.getQueue(), response::setError);
            if (queue != null) {
                int messages = queue.ready.size() + queue.held.size();
                if (request.getIfUnused() && !queue.consumers.isEmpty()) {
                    response.setError(Error.newBuilder().setCode(ErrorCode.PRECONDITION_FAILED)
                            .setMessage("queue '" + queue.name + "' has " + queue.consumers.size() + " consumers"));
                } else if (request.getIfEmpty() && messages > 0) {
                    response.setError(Error.newBuilder().setCode(ErrorCode.PRECONDITION_FAILED)
                            .setMessage("queue '" + queue.name + "' holds " + messages + " messages"));
                } else {
                    cluster.queues.remove(queue.name);
                    cluster.bindings.removeIf(b -> b.getDestination().equals(queue.name));
                    response.setMessageCount(messages);
                }
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }
}
