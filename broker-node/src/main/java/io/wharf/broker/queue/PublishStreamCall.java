package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.metadata.ExchangeRouter;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.Route;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Publish stream: each publish is routed from this broker's metadata image, in the order
 * sent, to every queue it matches, and confirmed once each of them has committed it. Confirms go
 * back as they complete, so they may overtake each other, as RabbitMQ's may.
 */
final class PublishStreamCall implements StreamObserver<PublishRequest> {

    private static final Logger LOG = LoggerFactory.getLogger(PublishStreamCall.class);

    private final Supplier<MetadataImage> image;
    private final QueueService queues;
    private final StreamObserver<PublishResponse> responses;
    /** Guards {@link #responses} and {@link #ended}: confirms complete on many threads. */
    private final Object sending = new Object();
    private boolean ended;
    /** Publishes not confirmed yet; the stream ends after the last one once the client half-closed. */
    private int outstanding;
    private boolean halfClosed;

    PublishStreamCall(Supplier<MetadataImage> image, QueueService queues, StreamObserver<PublishResponse> responses) {
        this.image = image;
        this.queues = queues;
        this.responses = responses;
    }

    @Override
    public void onNext(PublishRequest request) {
        synchronized (sending) {
            outstanding++;
        }
        long sequence = request.getSequence();
        Route route = ExchangeRouter.route(image.get(), request.getExchange(),
                request.getRoutingKey(), request.getMessage().getHeadersMap());
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
        CompletableFuture<?>[] stored = new CompletableFuture<?>[targets.size()];
        for (int i = 0; i < targets.size(); i++) {
            stored[i] = queues.store(targets.get(i), request.getPublisherId(), sequence, message);
        }
        CompletableFuture.allOf(stored).whenComplete((done, failure) -> {
            Error first = PartitionLookup.none();
            for (CompletableFuture<?> each : stored) {
                Error outcome = (Error) each.getNow(null);
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
                            .setRoutedQueues(targets.size()).build()
                    : nack(sequence, first).toBuilder().setRoutedQueues(targets.size()).build());
        });
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
            try {
                responses.onNext(response);
                if (halfClosed && outstanding == 0) {
                    ended = true;
                    responses.onCompleted();
                }
            } catch (RuntimeException e) {
                ended = true;
                LOG.debug("A publisher went away before its confirm of {}: {}", response.getSequence(), e.toString());
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
            if (!ended && outstanding == 0) {
                ended = true;
                responses.onCompleted();
            }
        }
    }
}
