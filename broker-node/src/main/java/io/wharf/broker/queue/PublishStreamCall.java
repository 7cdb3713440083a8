package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.metadata.ExchangeRouter;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.Route;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Publish stream: each publish is routed from this broker's metadata image, in the order
 * sent, to every queue it matches, and confirmed once each of them has committed it; until that
 * image has caught up with the cluster, each is nacked with a retriable NOT_LEADER instead
 * ({@link MetadataReadiness}). Confirms go back as they complete, so they may overtake each
 * other, as RabbitMQ's may; those completing while a send is pending go together in one
 * {@link PublishConfirms}.
 */
final class PublishStreamCall implements StreamObserver<PublishBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(PublishStreamCall.class);

    private final Supplier<MetadataImage> image;
    private final MetadataReadiness readiness;
    private final MessageStores queues;
    private final StreamObserver<PublishConfirms> responses;
    /** Sends the confirms gathered meanwhile; runs after whatever completed them is done. */
    private final Executor flusher;
    /** Guards everything below: confirms complete on many threads. */
    private final Object sending = new Object();
    private boolean ended;
    /** Publishes not confirmed yet; the stream ends after the last one once the client half-closed. */
    private int outstanding;
    private boolean halfClosed;
    private List<PublishResponse> unsent = new ArrayList<>();
    private boolean flushScheduled;

    PublishStreamCall(Supplier<MetadataImage> image, MetadataReadiness readiness, MessageStores queues,
                      StreamObserver<PublishConfirms> responses, Executor flusher) {
        this.image = image;
        this.readiness = readiness;
        this.queues = queues;
        this.responses = responses;
        this.flusher = flusher;
    }

    @Override
    public void onNext(PublishBatch batch) {
        synchronized (sending) {
            outstanding += batch.getPublishesCount();
        }
        MetadataImage current = image.get();
        // Asked once a batch: it is a few lookups, and the batch is routed by one image anyway.
        Optional<Error> notCaughtUp = readiness.notCaughtUp("publishes");
        List<MessageStores.Store> stores = new ArrayList<>();
        List<Routed> routed = new ArrayList<>();
        for (PublishRequest request : batch.getPublishesList()) {
            if (notCaughtUp.isPresent()) {
                send(nack(request.getSequence(), notCaughtUp.get()));
            } else {
                route(current, request, stores, routed);
            }
        }
        List<CompletableFuture<Error>> stored = queues.store(stores);
        for (Routed publish : routed) {
            List<CompletableFuture<Error>> mine = stored.subList(publish.firstStore(),
                    publish.firstStore() + publish.targets());
            CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new))
                    .whenComplete((done, failure) -> confirm(publish.sequence(), mine, failure));
        }
    }

    /** A publish routed to {@code targets} queues, whose stores start at {@code firstStore}. */
    private record Routed(long sequence, int firstStore, int targets) {
    }

    private void route(MetadataImage current, PublishRequest request, List<MessageStores.Store> stores,
                       List<Routed> routed) {
        long sequence = request.getSequence();
        Route route = ExchangeRouter.route(current, request.getExchange(), request.getRoutingKey(),
                request.getMessage().getHeadersMap());
        if (!route.exchangeExists()) {
            send(nack(sequence, PartitionLookup.error(ErrorCode.NOT_FOUND, "no exchange '" + request.getExchange()
                    + "'; declare it first (wharf exchanges declare)")));
            return;
        }
        if (route.internal()) {
            send(nack(sequence, PartitionLookup.error(ErrorCode.ACCESS_REFUSED, "exchange '" + request.getExchange()
                    + "' is internal: only other exchanges route to it; publish to one bound to it")));
            return;
        }
        List<String> targets = route.queues();
        if (targets.isEmpty()) {
            // RabbitMQ confirms an unroutable message at once, after returning it when mandatory.
            send(PublishResponse.newBuilder().setSequence(sequence).setAck(true).setReturned(request.getMandatory())
                    .setError(PartitionLookup.none()).build());
            return;
        }
        Message message = request.getMessage().toBuilder().setExchange(request.getExchange())
                .setRoutingKey(request.getRoutingKey()).build();
        routed.add(new Routed(sequence, stores.size(), targets.size()));
        for (String queue : targets) {
            stores.add(new MessageStores.Store(queue, request.getPublisherId(), sequence, message));
        }
    }

    private void confirm(long sequence, List<CompletableFuture<Error>> stored, Throwable failure) {
        Error first = PartitionLookup.none();
        for (CompletableFuture<Error> each : stored) {
            Error outcome = each.getNow(null);
            if (outcome == null) {
                outcome = PartitionLookup.error(ErrorCode.UNKNOWN_SERVER_ERROR, "storing failed: " + failure);
            }
            if (outcome.getCode() != ErrorCode.NONE) {
                first = outcome;
                break;
            }
        }
        send(first.getCode() == ErrorCode.NONE
                ? PublishResponse.newBuilder().setSequence(sequence).setAck(true).setError(first)
                        .setRoutedQueues(stored.size()).build()
                : nack(sequence, first).toBuilder().setRoutedQueues(stored.size()).build());
    }

    private static PublishResponse nack(long sequence, Error error) {
        return PublishResponse.newBuilder().setSequence(sequence).setAck(false).setError(error).build();
    }

    private void send(PublishResponse response) {
        synchronized (sending) {
            outstanding--;
            if (ended) {
                return;
            }
            unsent.add(response);
            if (flushScheduled) {
                return;
            }
            flushScheduled = true;
        }
        flusher.execute(this::flush);
    }

    private void flush() {
        synchronized (sending) {
            flushScheduled = false;
            if (ended) {
                return;
            }
            List<PublishResponse> confirms = unsent;
            unsent = new ArrayList<>();
            try {
                if (!confirms.isEmpty()) {
                    responses.onNext(PublishConfirms.newBuilder().addAllConfirms(confirms).build());
                }
                if (halfClosed && outstanding == 0) {
                    ended = true;
                    responses.onCompleted();
                }
            } catch (RuntimeException e) {
                ended = true;
                LOG.debug("A publisher went away before {} confirms: {}", confirms.size(), e.toString());
            }
        }
    }

    @Override
    public void onError(Throwable t) {
        synchronized (sending) {
            ended = true;
        }
    }

    @Override
    public void onCompleted() {
        synchronized (sending) {
            halfClosed = true;
            if (!ended && outstanding == 0 && unsent.isEmpty() && !flushScheduled) {
                ended = true;
                responses.onCompleted();
            }
        }
    }
}
