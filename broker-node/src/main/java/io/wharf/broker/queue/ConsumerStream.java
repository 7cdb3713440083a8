package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.Deliveries;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.Settled;
import io.wharf.proto.broker.SettleRequest;
import io.wharf.proto.broker.SubscribeOk;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Qos;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Consume stream: a consumer of one queue, attached to that queue's leader. Requests arrive on
 * the transport thread and are handled on the queue thread, which also sends everything the
 * stream carries back, so its responses need no other ordering. A protocol error (an ack of a tag
 * it does not hold, a second subscribe) closes the stream with the coded error, as RabbitMQ closes
 * the channel, and what the consumer held goes back to the queue.
 */
final class ConsumerStream implements StreamObserver<ConsumeRequest>, LocalConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerStream.class);

    private enum State { NEW, SUBSCRIBED, CLOSED }

    /**
     * Most bytes of deliveries in one stream message (a larger one goes alone): a consumer
     * without a prefetch limit may be handed a whole backlog in one turn, which must not become
     * one message of that size.
     */
    static final int MAX_BATCH_BYTES = 1024 * 1024;

    private final QueueService service;
    private final StreamObserver<ConsumeResponse> responses;
    private final String consumerId = AttachedConsumers.newConsumerId();
    private State state = State.NEW;
    private QueueShard shard;
    private String consumerTag = "";
    private boolean noAck;
    private boolean exclusive;
    /** Deliveries not sent yet; confined to the queue thread like the rest. */
    private Deliveries.Builder unsentDeliveries = Deliveries.newBuilder();
    private int unsentBytes;

    ConsumerStream(QueueService service, StreamObserver<ConsumeResponse> responses) {
        this.service = service;
        this.responses = responses;
    }

    @Override
    public void onNext(ConsumeRequest request) {
        service.onQueueThread(() -> handle(request));
    }

    @Override
    public void onError(Throwable t) {
        service.onQueueThread(() -> gone(ConsumerGone.Reason.DISCONNECTED));
    }

    @Override
    public void onCompleted() {
        service.onQueueThread(() -> {
            gone(ConsumerGone.Reason.CANCELLED);
            send(null);
        });
    }

    private void handle(ConsumeRequest request) {
        if (state == State.CLOSED) {
            return;
        }
        switch (request.getRequestCase()) {
            case SUBSCRIBE -> subscribe(request.getSubscribe());
            case ACK -> settle(request.getAck(), Settle.Outcome.ACK);
            case NACK -> settle(request.getNack(), request.getNack().getRequeue() ? Settle.Outcome.REQUEUE
                    : Settle.Outcome.REJECT);
            case PREFETCH -> prefetch(request.getPrefetch().getPrefetch());
            default -> fail(PartitionLookup.error(ErrorCode.INVALID_REQUEST, "a Consume request must carry "
                    + "subscribe, ack, nack or prefetch"));
        }
    }

    private void subscribe(SubscribeRequest request) {
        if (state != State.NEW) {
            fail(PartitionLookup.error(ErrorCode.INVALID_REQUEST, "this stream already subscribed to queue '"
                    + shard.queue() + "'; open another stream for another consumer"));
            return;
        }
        if (request.getPrefetch() < 0) {
            fail(PartitionLookup.error(ErrorCode.INVALID_ARGUMENT, "prefetch must be 0 (unlimited) or more, got "
                    + request.getPrefetch()));
            return;
        }
        QueueService.Served served = service.serving(request.getQueue());
        if (served.error().isPresent()) {
            fail(served.error().get());
            return;
        }
        shard = served.shard();
        consumerTag = request.getConsumerTag().isEmpty() ? "wharf.ctag-" + UUID.randomUUID()
                : request.getConsumerTag();
        noAck = request.getNoAck();
        exclusive = request.getExclusive();
        Optional<Error> refused = shard.consumers().subscribe(this, request.getPrefetch(), exclusive,
                request.getPriority());
        if (refused.isPresent()) {
            fail(refused.get());
            return;
        }
        state = State.SUBSCRIBED;
        service.wake(shard);
    }

    private void settle(SettleRequest request, Settle.Outcome outcome) {
        if (state != State.SUBSCRIBED) {
            fail(PartitionLookup.error(ErrorCode.INVALID_REQUEST, "subscribe before acking or nacking"));
            return;
        }
        if (request.getDeliveryTagsCount() > 0 && request.getMultiple()) {
            fail(PartitionLookup.error(ErrorCode.INVALID_REQUEST, "an ack or nack of several delivery_tags settles "
                    + "each of them alone; send multiple=true with one delivery_tag instead"));
            return;
        }
        Optional<Error> refused = request.getDeliveryTagsCount() > 0
                ? shard.consumers().settleEach(this, request.getDeliveryTagsList(), outcome, request.getConfirm())
                : shard.consumers().settle(this, request.getDeliveryTag(), request.getMultiple(), outcome,
                        request.getConfirm());
        if (refused.isPresent()) {
            shard.consumers().gone(consumerId, ConsumerGone.Reason.CHANNEL_ERROR);
            service.wake(shard);
            fail(refused.get());
            return;
        }
        service.wake(shard);
    }

    private void prefetch(int prefetch) {
        if (state != State.SUBSCRIBED) {
            fail(PartitionLookup.error(ErrorCode.INVALID_REQUEST, "subscribe before changing the prefetch"));
        } else if (prefetch < 0) {
            fail(PartitionLookup.error(ErrorCode.INVALID_ARGUMENT, "prefetch must be 0 (unlimited) or more, got "
                    + prefetch));
        } else {
            shard.appender().submit(QueueEntry.newBuilder().setQos(Qos.newBuilder().setConsumerId(consumerId)
                    .setPrefetch(prefetch)).build(), null);
            service.wake(shard);
        }
    }

    private void gone(ConsumerGone.Reason reason) {
        if (state == State.SUBSCRIBED) {
            shard.consumers().gone(consumerId, reason);
            service.wake(shard);
        }
        state = State.CLOSED;
    }

    private void fail(Error error) {
        if (state == State.SUBSCRIBED) {
            shard.consumers().gone(consumerId, ConsumerGone.Reason.CHANNEL_ERROR);
            service.wake(shard);
        }
        close(error);
    }

    private void send(ConsumeResponse response) {
        sendDeliveries();
        sendNow(response);
    }

    @Override
    public void sendDeliveries() {
        if (unsentDeliveries.getDeliveriesCount() > 0) {
            Deliveries deliveries = unsentDeliveries.build();
            unsentDeliveries = Deliveries.newBuilder();
            unsentBytes = 0;
            sendNow(ConsumeResponse.newBuilder().setDeliveries(deliveries).build());
        }
    }

    private void sendNow(ConsumeResponse response) {
        try {
            if (response == null) {
                responses.onCompleted();
            } else {
                responses.onNext(response);
            }
        } catch (RuntimeException e) {
            // The client went away meanwhile; onError tells the queue.
            LOG.debug("Consumer {} of a queue: could not send: {}", consumerTag, e.toString());
        }
    }

    @Override
    public boolean exclusive() {
        return exclusive;
    }

    @Override
    public String consumerId() {
        return consumerId;
    }

    @Override
    public String consumerTag() {
        return consumerTag;
    }

    @Override
    public boolean noAck() {
        return noAck;
    }

    @Override
    public void subscribed(boolean active) {
        send(ConsumeResponse.newBuilder().setSubscribed(SubscribeOk.newBuilder().setConsumerTag(consumerTag)
                .setActive(active)).build());
    }

    /**
     * Gathers the delivery; the shard sends what it gathered once it has applied what is committed
     * (applying a batch of entries delivers many messages at once).
     */
    @Override
    public void deliver(Delivery delivery) {
        if (state == State.CLOSED) {
            return;
        }
        int size = delivery.getSerializedSize();
        if (unsentDeliveries.getDeliveriesCount() > 0 && unsentBytes + size > MAX_BATCH_BYTES) {
            sendDeliveries();
        }
        unsentDeliveries.addDeliveries(delivery);
        unsentBytes += size;
    }

    @Override
    public void settled(List<Long> deliveryTags) {
        send(ConsumeResponse.newBuilder().setSettled(Settled.newBuilder().addAllDeliveryTags(deliveryTags)).build());
    }

    @Override
    public void close(Error why) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        send(ConsumeResponse.newBuilder().setClosed(why).build());
        send(null);
    }
}
