package io.wharf.client.queue;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.SetPrefetch;
import io.wharf.proto.broker.SettleRequest;
import io.wharf.proto.broker.SubscribeRequest;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One consumer of one queue: a {@code Consume} stream to the queue's leader, made by
 * {@link QueueConsumer#subscribe}. Deliveries go to the handler on the consumer's handler thread.
 *
 * <p>When the stream ends with a retriable error (NOT_LEADER, a broken connection when the leader
 * died, ...) the subscription subscribes again — at once to a leader a NOT_LEADER names, else to
 * the next bootstrap broker after a backoff — for up to the reconnect timeout. The broker has put
 * back what the old stream held and delivers it again with {@code redelivered} set; settling a
 * delivery of the old stream does nothing (it cannot be settled any more), and
 * {@link #ackSync} of one fails with UNKNOWN_DELIVERY_TAG. Acks of tags this stream does not hold
 * (already settled, or from an old stream) are dropped locally rather than sent, since the broker
 * would close the stream for them.
 *
 * <p>Any other end — NOT_FOUND (the queue was deleted), RESOURCE_LOCKED (an exclusive consumer),
 * UNKNOWN_DELIVERY_TAG, ... — is final: {@link #done()} completes exceptionally with a
 * {@link ClientException} carrying the code and the broker's message, and nothing is retried.
 *
 * <p>Deliveries come in batches and go to the handler one by one, in order. Single acks made
 * meanwhile are sent together once the handler is done with the batch (or right after a handler
 * call slower than a millisecond), so a consumer acking every message pays the transport's
 * per-message cost once per batch; every
 * other request (a multiple ack, a nack, a confirmed ack, a new prefetch, the cancel) first sends
 * the acks gathered before it, so the broker sees them in the order made.
 *
 * <p>Thread-safe: settle methods may be called from any thread.
 */
public final class QueueSubscription {

    private static final Logger LOG = LoggerFactory.getLogger(QueueSubscription.class);
    /** A handler call longer than this sends the acks made so far at once. */
    private static final long SLOW_HANDLER_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final String queue;
    private final SubscribeOptions options;
    private final DeliveryHandler handler;
    private final QueueConsumerConfig config;
    private final EndpointChannels channels;
    private final ScheduledExecutorService executor;
    private final CompletableFuture<String> attached = new CompletableFuture<>();
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    // guarded by this
    private ClientCallStreamObserver<ConsumeRequest> requests;
    private int generation;
    private Endpoint target;
    private int nextCandidate;
    private String consumerTag = "";
    private boolean active;
    private long brokenSinceNanos = -1;
    private Integer prefetchOverride;
    private boolean cancelled;
    /** Tags delivered on the current stream and not settled yet. */
    private final NavigableSet<Long> held = new TreeSet<>();
    /** Single acks not sent yet: the handler thread sends them together once it is done with its task. */
    private final List<Long> unsentAcks = new ArrayList<>();
    private boolean ackFlushScheduled;
    private final Map<Long, List<CompletableFuture<Void>>> settleWaiters = new HashMap<>();

    QueueSubscription(String queue, SubscribeOptions options, DeliveryHandler handler, QueueConsumerConfig config,
                      EndpointChannels channels, ScheduledExecutorService executor) {
        this.queue = queue;
        this.options = options;
        this.handler = handler;
        this.config = config;
        this.channels = channels;
        this.executor = executor;
    }

    /** Opens the first stream; {@link #attached()} completes on the broker's SubscribeOk. */
    synchronized void start() {
        target = config.bootstrap().get(0);
        nextCandidate = 1;
        open();
    }

    /** Completes with the consumer tag once first attached, or exceptionally when that failed. */
    CompletableFuture<String> attached() {
        return attached;
    }

    public String queue() {
        return queue;
    }

    /** The consumer tag the broker confirmed (it may make one up); "" before the first SubscribeOk. */
    public synchronized String consumerTag() {
        return consumerTag;
    }

    /** False while this is a waiting consumer of a single-active-consumer queue. */
    public synchronized boolean active() {
        return active;
    }

    /** The broker the current stream goes to. */
    public synchronized Endpoint broker() {
        return target;
    }

    /**
     * Completes when the subscription is over: normally after {@link #cancel()} (or when the
     * broker cancelled it without an error), exceptionally with a {@link ClientException} when it
     * ended for an error that retrying does not cure or reconnecting took longer than the
     * reconnect timeout.
     */
    public CompletableFuture<Void> done() {
        return done;
    }

    /**
     * Throws what the subscription ended with, when it ended for an error (the queue was deleted,
     * an exclusive consumer holds it, ...); returns otherwise.
     *
     * @throws ClientException the code and the broker's message
     */
    public void throwIfFailed() {
        if (done.isCompletedExceptionally()) {
            try {
                done.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof ClientException failure) {
                    throw failure;
                }
                throw e;
            }
        }
    }

    /** Acknowledges {@code deliveryTag} (and, with {@code multiple}, every held delivery with a lower tag). */
    public void ack(long deliveryTag, boolean multiple) {
        settle(currentGeneration(), deliveryTag, multiple, QueueDelivery.SettleKind.ACK);
    }

    /** As {@link #ack}, completing once the broker confirmed the ack committed. */
    public CompletableFuture<Void> ackSync(long deliveryTag, boolean multiple) {
        return ackSync(currentGeneration(), deliveryTag, multiple);
    }

    /** Negatively acknowledges {@code deliveryTag} (and with {@code multiple} the lower held ones). */
    public void nack(long deliveryTag, boolean multiple, boolean requeue) {
        settle(currentGeneration(), deliveryTag, multiple,
                requeue ? QueueDelivery.SettleKind.NACK_REQUEUE : QueueDelivery.SettleKind.NACK_DROP);
    }

    /** Changes the prefetch of the live consumer (basic.qos); kept for later reconnects too. */
    public void setPrefetch(int prefetch) {
        if (prefetch < 0) {
            throw new IllegalArgumentException("prefetch must not be negative, got " + prefetch);
        }
        synchronized (this) {
            prefetchOverride = prefetch;
            if (requests != null) {
                flushAcks();
                requests.onNext(ConsumeRequest.newBuilder().setPrefetch(SetPrefetch.newBuilder().setPrefetch(prefetch))
                        .build());
            }
        }
    }

    /**
     * Ends the subscription: half-closes the stream, after which the broker puts back what it still
     * holds. Unsettled deliveries cannot be settled any more. Idempotent.
     */
    public void cancel() {
        List<CompletableFuture<Void>> waiters;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (requests != null) {
                flushAcks();
                requests.onCompleted();
                requests = null;
            }
            held.clear();
            waiters = drainWaiters();
        }
        ClientException error = new ClientException(ErrorCode.UNKNOWN_DELIVERY_TAG, "the subscription to queue '"
                + queue + "' was cancelled before the broker confirmed the ack");
        waiters.forEach(w -> w.completeExceptionally(error));
        attached.completeExceptionally(new ClientException(ErrorCode.REQUEST_TIMED_OUT,
                "the subscription to queue '" + queue + "' was cancelled before it was attached"));
        done.complete(null);
    }

    private synchronized int currentGeneration() {
        return generation;
    }

    /** Opens a stream to {@link #target} and subscribes on it. Caller holds the lock. */
    private void open() {
        int streamGeneration = ++generation;
        held.clear();
        unsentAcks.clear();
        Responses responses = new Responses(streamGeneration);
        BrokerServiceGrpc.newStub(channels.channel(target)).consume(responses);
        if (responses.ended) {
            return; // failed at once (an in-process server that is gone): its end is handled already
        }
        requests = responses.requests;
        requests.onNext(ConsumeRequest.newBuilder().setSubscribe(SubscribeRequest.newBuilder().setQueue(queue)
                .setConsumerTag(consumerTag.isEmpty() ? options.consumerTag() : consumerTag)
                .setPrefetch(prefetchOverride != null ? prefetchOverride : options.prefetch())
                .setNoAck(options.noAck()).setExclusive(options.exclusive()).setPriority(options.priority())).build());
    }

    private void settle(int streamGeneration, long tag, boolean multiple, QueueDelivery.SettleKind kind) {
        synchronized (this) {
            if (!take(streamGeneration, tag, multiple)) {
                return;
            }
            if (kind == QueueDelivery.SettleKind.ACK && !multiple) {
                unsentAcks.add(tag);
                scheduleAckFlush();
                return;
            }
            flushAcks();
            SettleRequest settle = SettleRequest.newBuilder().setDeliveryTag(tag).setMultiple(multiple)
                    .setRequeue(kind == QueueDelivery.SettleKind.NACK_REQUEUE).build();
            requests.onNext(kind == QueueDelivery.SettleKind.ACK ? ConsumeRequest.newBuilder().setAck(settle).build()
                    : ConsumeRequest.newBuilder().setNack(settle).build());
        }
    }

    private CompletableFuture<Void> ackSync(int streamGeneration, long tag, boolean multiple) {
        CompletableFuture<Void> settled = new CompletableFuture<>();
        synchronized (this) {
            if (take(streamGeneration, tag, multiple)) {
                settleWaiters.computeIfAbsent(tag, t -> new ArrayList<>()).add(settled);
                flushAcks();
                requests.onNext(ConsumeRequest.newBuilder().setAck(SettleRequest.newBuilder().setDeliveryTag(tag)
                        .setMultiple(multiple).setConfirm(true)).build());
                return settled;
            }
        }
        settled.completeExceptionally(new ClientException(ErrorCode.UNKNOWN_DELIVERY_TAG, "delivery " + tag
                + " of queue '" + queue + "' is not held by this consumer's stream: settled already, or delivered "
                + "on a stream that ended (the broker delivers it again)"));
        return settled;
    }

    /** Has the handler thread send the gathered acks after its current task. Caller holds the lock. */
    private void scheduleAckFlush() {
        if (ackFlushScheduled) {
            return;
        }
        try {
            executor.execute(() -> {
                synchronized (this) {
                    ackFlushScheduled = false;
                    flushAcks();
                }
            });
            ackFlushScheduled = true;
        } catch (RejectedExecutionException e) {
            flushAcks(); // the consumer is closing: send them now
        }
    }

    /** Sends the gathered single acks as one request. Caller holds the lock. */
    private void flushAcks() {
        if (unsentAcks.isEmpty() || requests == null) {
            unsentAcks.clear();
            return;
        }
        SettleRequest.Builder acks = SettleRequest.newBuilder();
        if (unsentAcks.size() == 1) {
            acks.setDeliveryTag(unsentAcks.get(0));
        } else {
            acks.addAllDeliveryTags(unsentAcks);
        }
        unsentAcks.clear();
        requests.onNext(ConsumeRequest.newBuilder().setAck(acks).build());
    }

    /**
     * Whether the settle of {@code tag} may be sent on the current stream; if so the tags it
     * settles are no longer held. Caller holds the lock.
     */
    private boolean take(int streamGeneration, long tag, boolean multiple) {
        if (options.noAck()) {
            throw new IllegalStateException("the subscription to queue '" + queue + "' is no-ack: deliveries are "
                    + "settled when sent");
        }
        if (streamGeneration != generation || requests == null) {
            return false;
        }
        if (multiple) {
            NavigableSet<Long> settled = held.headSet(tag, true);
            if (settled.isEmpty()) {
                return false;
            }
            settled.clear();
            return true;
        }
        return held.remove(tag);
    }

    private List<CompletableFuture<Void>> drainWaiters() {
        List<CompletableFuture<Void>> waiters = new ArrayList<>();
        settleWaiters.values().forEach(waiters::addAll);
        settleWaiters.clear();
        return waiters;
    }

    private void onSubscribed(int streamGeneration, String tag, boolean isActive) {
        synchronized (this) {
            if (streamGeneration != generation || cancelled) {
                return;
            }
            consumerTag = tag;
            active = isActive;
            brokenSinceNanos = -1;
        }
        attached.complete(tag);
    }

    private void onDeliveries(int streamGeneration, List<io.wharf.proto.broker.Delivery> deliveries) {
        QueueDelivery.Settler settler = null;
        synchronized (this) {
            if (streamGeneration != generation || cancelled) {
                return; // the broker puts back what an ended stream held
            }
            active = true;
            if (!options.noAck()) {
                deliveries.forEach(delivery -> held.add(delivery.getDeliveryTag()));
                settler = new StreamSettler(streamGeneration);
            }
        }
        List<QueueDelivery> received = new ArrayList<>(deliveries.size());
        for (io.wharf.proto.broker.Delivery delivery : deliveries) {
            received.add(new QueueDelivery(delivery, settler));
        }
        try {
            executor.execute(() -> handleAll(received));
        } catch (RejectedExecutionException e) {
            // the consumer is closing: the broker puts the messages back when the stream ends
        }
    }

    /**
     * Hands a batch to the handler. The acks it makes go out at the end, or right after a slow
     * handler call: a slow consumer gains nothing from batching them and must not hold its
     * prefetch window closed meanwhile.
     */
    private void handleAll(List<QueueDelivery> deliveries) {
        for (QueueDelivery delivery : deliveries) {
            long started = System.nanoTime();
            try {
                handler.handle(delivery);
            } catch (RuntimeException e) {
                LOG.warn("the handler of queue '{}' failed on delivery {}; it stays unsettled", queue,
                        delivery.deliveryTag(), e);
            }
            if (System.nanoTime() - started > SLOW_HANDLER_NANOS) {
                synchronized (this) {
                    flushAcks();
                }
            }
        }
        synchronized (this) {
            flushAcks();
        }
    }

    private void onSettled(List<Long> tags) {
        List<CompletableFuture<Void>> waiters = new ArrayList<>();
        synchronized (this) {
            for (long tag : tags) {
                List<CompletableFuture<Void>> forTag = settleWaiters.remove(tag);
                if (forTag != null) {
                    waiters.addAll(forTag);
                }
            }
        }
        waiters.forEach(w -> w.complete(null));
    }

    /**
     * {@code stream} ended with {@code error} (NONE: a cancel by the broker): subscribe again, or
     * end the subscription. It may end before {@link #open} returned (a call failing at once).
     */
    private void onEnded(Responses stream, Error error, boolean retriable) {
        ClientException failure = null;
        List<CompletableFuture<Void>> waiters;
        long delayMs = config.retryBackoff().toMillis();
        Endpoint from;
        synchronized (this) {
            if (stream.streamGeneration != generation || cancelled || stream.ended) {
                return; // an old stream, or this one's end was handled already (a Closed, then the call's end)
            }
            stream.ended = true;
            from = target;
            requests = null;
            held.clear();
            unsentAcks.clear();
            waiters = drainWaiters();
            if (error.getCode() != ErrorCode.NONE || retriable) {
                failure = new ClientException(error.getCode(), "the subscription to queue '" + queue + "' at broker "
                        + target + " ended: " + error.getCode() + ": " + error.getMessage());
            }
            long now = System.nanoTime();
            if (retriable) {
                brokenSinceNanos = brokenSinceNanos < 0 ? now : brokenSinceNanos;
                if (now - brokenSinceNanos <= config.reconnectTimeout().toNanos()) {
                    Endpoint named = QueueLeaderCaller.redirect(error, target);
                    if (named != null) {
                        target = named;
                        delayMs = 0;
                    } else {
                        target = config.bootstrap().get(nextCandidate++ % config.bootstrap().size());
                    }
                    retriable = true;
                } else {
                    retriable = false;
                }
            }
            if (!retriable) {
                cancelled = true;
            }
        }
        ClientException waiterError = new ClientException(ErrorCode.UNKNOWN_DELIVERY_TAG, "the stream to " + from
                + " ended before the broker confirmed the ack; the broker delivers the message again");
        waiters.forEach(w -> w.completeExceptionally(waiterError));
        if (retriable) {
            LOG.debug("subscription to queue '{}' ended ({}: {}); subscribing again", queue, error.getCode(),
                    error.getMessage());
            channels.reconnectPromptly(from);
            try {
                executor.schedule(this::reopen, delayMs, TimeUnit.MILLISECONDS);
            } catch (RejectedExecutionException e) {
                // the consumer is closing
            }
        } else if (failure == null) {
            done.complete(null);
            attached.completeExceptionally(new ClientException(ErrorCode.NONE, "the broker cancelled the "
                    + "subscription to queue '" + queue + "' before attaching it"));
        } else {
            attached.completeExceptionally(failure);
            done.completeExceptionally(failure);
        }
    }

    private synchronized void reopen() {
        if (!cancelled) {
            open();
        }
    }

    /** Settles deliveries of one stream: stale ones are dropped. */
    private final class StreamSettler implements QueueDelivery.Settler {
        private final int streamGeneration;

        StreamSettler(int streamGeneration) {
            this.streamGeneration = streamGeneration;
        }

        @Override
        public void settle(long tag, boolean multiple, QueueDelivery.SettleKind kind) {
            QueueSubscription.this.settle(streamGeneration, tag, multiple, kind);
        }

        @Override
        public CompletableFuture<Void> ackSync(long tag, boolean multiple) {
            return QueueSubscription.this.ackSync(streamGeneration, tag, multiple);
        }
    }

    private final class Responses implements ClientResponseObserver<ConsumeRequest, ConsumeResponse> {
        private final int streamGeneration;
        private ClientCallStreamObserver<ConsumeRequest> requests;
        /** Whether its end was handled (guarded by the subscription's lock). */
        private boolean ended;

        Responses(int streamGeneration) {
            this.streamGeneration = streamGeneration;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ConsumeRequest> requestStream) {
            this.requests = requestStream;
        }

        @Override
        public void onNext(ConsumeResponse response) {
            switch (response.getResponseCase()) {
                case SUBSCRIBED -> onSubscribed(streamGeneration, response.getSubscribed().getConsumerTag(),
                        response.getSubscribed().getActive());
                case DELIVERIES -> onDeliveries(streamGeneration, response.getDeliveries().getDeliveriesList());
                case SETTLED -> onSettled(response.getSettled().getDeliveryTagsList());
                case CLOSED -> onEnded(this, response.getClosed(),
                        DataPlaneErrors.isRetriable(response.getClosed().getCode()));
                default -> LOG.debug("ignoring an unknown Consume response on queue '{}'", queue);
            }
        }

        @Override
        public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            boolean retriable = DataPlaneErrors.isRetriable(status.getCode());
            ErrorCode code = retriable ? ErrorCode.REQUEST_TIMED_OUT
                    : status.getCode() == Status.Code.UNIMPLEMENTED ? ErrorCode.INVALID_REQUEST
                    : ErrorCode.UNKNOWN_SERVER_ERROR;
            onEnded(this, Error.newBuilder().setCode(code).setMessage("the stream failed: " + status.getCode()
                    + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")")).setLeaderId(-1)
                    .build(), retriable);
        }

        @Override
        public void onCompleted() {
            // a final Closed has been handled already; without one the broker went away mid-stream
            onEnded(this, Error.newBuilder().setCode(ErrorCode.REQUEST_TIMED_OUT)
                    .setMessage("the broker ended the stream without saying why").setLeaderId(-1).build(), true);
        }
    }
}
