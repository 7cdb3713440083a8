package io.wharf.broker;

import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.SetPrefetch;
import io.wharf.proto.broker.SettleRequest;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.Error;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A raw Consume stream for tests: records every delivery, settled tag and the closing error, and
 * tracks the most deliveries it held unsettled at once. Thread-safe.
 */
final class StreamConsumer implements AutoCloseable {

    private final StreamObserver<ConsumeRequest> requests;
    final ConcurrentLinkedQueue<Delivery> deliveries = new ConcurrentLinkedQueue<>();
    /** The size of each Deliveries message received, in order. */
    final ConcurrentLinkedQueue<Integer> batchBytes = new ConcurrentLinkedQueue<>();
    private final Set<Long> held = new TreeSet<>();
    private final List<Long> settled = new ArrayList<>();
    private volatile Error closed;
    private volatile boolean subscribed;
    private volatile boolean ended;
    private int maxHeld;

    StreamConsumer(ManagedChannel channel, SubscribeRequest subscribe) {
        requests = BrokerServiceGrpc.newStub(channel).consume(new StreamObserver<>() {
            @Override
            public void onNext(ConsumeResponse response) {
                switch (response.getResponseCase()) {
                    case SUBSCRIBED -> subscribed = true;
                    case DELIVERIES -> {
                        batchBytes.add(response.getDeliveries().getSerializedSize());
                        for (Delivery delivery : response.getDeliveries().getDeliveriesList()) {
                            synchronized (StreamConsumer.this) {
                                held.add(delivery.getDeliveryTag());
                                maxHeld = Math.max(maxHeld, held.size());
                            }
                            deliveries.add(delivery);
                        }
                    }
                    case SETTLED -> {
                        synchronized (StreamConsumer.this) {
                            settled.addAll(response.getSettled().getDeliveryTagsList());
                        }
                    }
                    case CLOSED -> closed = response.getClosed();
                    default -> { }
                }
            }

            @Override
            public void onError(Throwable t) {
                ended = true;
            }

            @Override
            public void onCompleted() {
                ended = true;
            }
        });
        requests.onNext(ConsumeRequest.newBuilder().setSubscribe(subscribe).build());
    }

    boolean subscribed() {
        return subscribed;
    }

    Error closed() {
        return closed;
    }

    boolean ended() {
        return ended;
    }

    synchronized int maxHeld() {
        return maxHeld;
    }

    synchronized List<Long> settled() {
        return List.copyOf(settled);
    }

    void ack(long tag, boolean multiple) {
        synchronized (this) {
            if (multiple) {
                held.removeIf(t -> t <= tag);
            } else {
                held.remove(tag);
            }
        }
        requests.onNext(ConsumeRequest.newBuilder().setAck(SettleRequest.newBuilder().setDeliveryTag(tag)
                .setMultiple(multiple).setConfirm(true)).build());
    }

    /** Acks each of {@code tags} alone, in one request, with a confirm. */
    void ackEach(List<Long> tags) {
        synchronized (this) {
            tags.forEach(held::remove);
        }
        requests.onNext(ConsumeRequest.newBuilder().setAck(SettleRequest.newBuilder().addAllDeliveryTags(tags)
                .setConfirm(true)).build());
    }

    void nack(long tag, boolean requeue) {
        synchronized (this) {
            held.remove(tag);
        }
        requests.onNext(ConsumeRequest.newBuilder().setNack(SettleRequest.newBuilder().setDeliveryTag(tag)
                .setRequeue(requeue)).build());
    }

    void prefetch(int prefetch) {
        requests.onNext(ConsumeRequest.newBuilder().setPrefetch(SetPrefetch.newBuilder().setPrefetch(prefetch)).build());
    }

    /** Ends the stream as a client that cancels its consumer (messages it holds return to the queue). */
    @Override
    public void close() {
        try {
            requests.onCompleted();
        } catch (RuntimeException e) {
            // already ended by the broker
        }
    }

    /** Breaks the stream as a crashing client would. */
    void breakOff() {
        requests.onError(new RuntimeException("client crashed"));
    }
}
