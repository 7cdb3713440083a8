package io.wharf.client.queue;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.wharf.client.BrokerStream;
import io.wharf.client.ClientException;
import io.wharf.client.DaemonThreads;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceStub;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PublishRequest;
import io.wharf.proto.broker.PublishResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Publishes messages to exchanges with publisher confirms (RabbitMQ's confirm mode) over one
 * {@code Publish} stream to a broker; any broker routes.
 *
 * <p>Each instance has a random publisher id and numbers its publishes 1, 2, 3, ...; every
 * publish stays pending until its confirm. When the stream breaks, or a confirm carries a
 * retriable error (NOT_LEADER, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, ...), the pending publishes
 * are sent again with the same publisher id and sequence — on the next broker of the bootstrap
 * list after a broken stream, or after a stream answered only NOT_LEADER naming no leader for
 * {@link #MOVE_AFTER_NO_LEADER} (the answer of a broker whose metadata is behind; the first broker
 * is picked at random) — so a queue stores each at most once however often it is resent.
 * A publish not confirmed within {@link QueuePublisherConfig#deliveryTimeout()} is nacked with
 * REQUEST_TIMED_OUT (it may still have been stored).
 *
 * <p>At most {@link QueuePublisherConfig#maxInFlight()} publishes are pending; {@link #publish}
 * blocks for room up to {@link QueuePublisherConfig#maxBlock()}, then nacks the publish unsent.
 *
 * <p>With a {@link QueuePublisherConfig#homeQueue() home queue} each stream goes to that queue's
 * leader, learned when the stream opens.
 *
 * <p>Publishes made while the previous ones are being sent go to the broker together in one
 * {@link PublishBatch} (the timer thread sends them), so a busy publisher pays the transport's
 * per-message cost once per batch rather than once per message.
 *
 * <p>Thread-safe. The returned futures always complete normally, with a {@link PublishOutcome};
 * they complete on gRPC threads or on the publisher's own timer thread, which also runs resends and
 * timeouts and is stopped by {@link #close}.
 */
public final class QueuePublisher implements AutoCloseable {

    /**
     * Most bytes of publishes in one stream message (a larger publish goes alone): well below
     * what a broker accepts in one message, so that a batch of large messages is never refused
     * whole — and resent whole, for ever.
     */
    static final int MAX_BATCH_BYTES = 4 * 1024 * 1024;
    /**
     * How long a stream may answer only NOT_LEADER naming no leader before the publisher moves to
     * the next broker. A queue is without a leader for well under a second while the controllers
     * elect another, and the broker routing to it knows the new leader soon after: staying there
     * is then the quickest way back. A broker whose metadata is behind the cluster's answers so
     * for as long as it cannot reach a controller; that is what this bound ends.
     */
    static final Duration MOVE_AFTER_NO_LEADER = Duration.ofSeconds(2);
    /** How long opening a stream may spend learning the home queue's leader before using any broker. */
    private static final Duration HOME_LOOKUP_TIMEOUT = Duration.ofSeconds(2);

    private final QueuePublisherConfig config;
    private final EndpointChannels channels;
    /** Finds the home queue's leader. */
    private final QueueLeaderCaller leaders;
    private final String publisherId = UUID.randomUUID().toString();
    private final Semaphore window;
    private final ScheduledExecutorService timer;
    private final BrokerStream.Listener<PublishBatch, PublishConfirms> listener = new StreamListener();
    /** Orders sequence assignment with sending, so a stream carries sequences in increasing order. */
    private final Object sendLock = new Object();
    // guarded by sendLock
    private long nextSequence = 1;
    private BrokerStream<PublishBatch, PublishConfirms> stream;
    private int streamGeneration;
    private int brokerIndex;
    /** Publishes for the current stream not handed to it yet: the timer thread sends them as one batch. */
    private List<Pending> outgoing = new ArrayList<>();
    private boolean flushScheduled;
    // guarded by this
    private final TreeMap<Long, Pending> pending = new TreeMap<>();
    /** The stream that answered NOT_LEADER naming no leader, with no success since; null when none. */
    private BrokerStream<PublishBatch, PublishConfirms> leaderlessStream;
    private long leaderlessSinceNanos;
    private volatile boolean closed;

    public QueuePublisher(QueuePublisherConfig config) {
        this(config, EndpointChannels.plaintext());
    }

    /** With a transport of the caller's choosing (tests use in-process channels). */
    public QueuePublisher(QueuePublisherConfig config, Function<Endpoint, ManagedChannel> channelFactory) {
        this.config = config;
        this.channels = new EndpointChannels(channelFactory);
        this.leaders = new QueueLeaderCaller(channels, HOME_LOOKUP_TIMEOUT, config.retryBackoff());
        this.window = new Semaphore(config.maxInFlight());
        // publishers of one application spread over the brokers rather than all starting at the first
        this.brokerIndex = ThreadLocalRandom.current().nextInt(config.bootstrap().size());
        this.timer = Executors.newSingleThreadScheduledExecutor(
                DaemonThreads.single("wharf-queue-publisher-" + publisherId.substring(0, 8)));
        long sweepMs = Math.max(10, Math.min(1000, config.deliveryTimeout().toMillis() / 20));
        timer.scheduleWithFixedDelay(this::expire, sweepMs, sweepMs, TimeUnit.MILLISECONDS);
    }

    /** The id the brokers deduplicate this publisher's retries by. */
    public String publisherId() {
        return publisherId;
    }

    /** Publishes {@code body} without headers or properties, not mandatory. */
    public CompletableFuture<PublishOutcome> publish(String exchange, String routingKey, byte[] body) {
        return publish(exchange, routingKey, Message.newBuilder().setBody(ByteString.copyFrom(body)).build(), false);
    }

    /** Publishes a message with {@code headers} and {@code body}. */
    public CompletableFuture<PublishOutcome> publish(String exchange, String routingKey, Map<String, String> headers,
                                                     byte[] body, boolean mandatory) {
        return publish(exchange, routingKey, Message.newBuilder().putAllHeaders(headers)
                .setBody(ByteString.copyFrom(body)).build(), mandatory);
    }

    /**
     * Publishes {@code message} (its headers, properties and body; the broker sets its exchange and
     * routing key) to {@code exchange} ("" is the default exchange: to the queue named by the
     * routing key).
     *
     * @param mandatory an unroutable message is {@link PublishOutcome.Status#RETURNED} rather than dropped
     * @return completes with the confirm: acked, returned, or nacked with the broker's error code
     *     (or REQUEST_TIMED_OUT when no confirm came within the delivery timeout, or when the window
     *     stayed full for maxBlock: then it was not sent)
     * @throws IllegalStateException if the publisher is closed
     */
    public CompletableFuture<PublishOutcome> publish(String exchange, String routingKey, Message message,
                                                     boolean mandatory) {
        if (closed) {
            throw new IllegalStateException("the publisher is closed");
        }
        try {
            if (!window.tryAcquire(config.maxBlock().toMillis(), TimeUnit.MILLISECONDS)) {
                return CompletableFuture.completedFuture(PublishOutcome.nacked(0, ErrorCode.REQUEST_TIMED_OUT,
                        "not sent: " + config.maxInFlight() + " publishes stayed unconfirmed for "
                                + config.maxBlock().toMillis() + " ms"));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CompletableFuture.completedFuture(PublishOutcome.nacked(0, ErrorCode.REQUEST_TIMED_OUT,
                    "not sent: interrupted while waiting for room in the window"));
        }
        CompletableFuture<PublishOutcome> future = new CompletableFuture<>();
        synchronized (sendLock) {
            long sequence = nextSequence++;
            PublishRequest request = PublishRequest.newBuilder().setPublisherId(publisherId).setSequence(sequence)
                    .setExchange(exchange).setRoutingKey(routingKey).setMandatory(mandatory).setMessage(message)
                    .build();
            Pending entry = new Pending(request, future, System.nanoTime() + config.deliveryTimeout().toNanos());
            synchronized (this) {
                pending.put(sequence, entry);
            }
            send(entry);
        }
        return future;
    }

    /**
     * Opens the publish stream now, instead of with the first publish, and waits until the
     * connection to its broker is up: the first publish then pays neither for finding the home
     * queue's leader nor for connecting, as a RabbitMQ client opens its channel before it
     * publishes. Publishing without calling it works the same, only the first publish waits.
     *
     * @param timeout how long to wait for the connection
     * @return the broker the stream goes to
     * @throws ClientException REQUEST_TIMED_OUT when the connection is not up within {@code timeout}
     * @throws IllegalStateException if the publisher is closed
     */
    public Endpoint connect(Duration timeout) {
        if (closed) {
            throw new IllegalStateException("the publisher is closed");
        }
        Endpoint broker;
        synchronized (sendLock) {
            broker = openStreamIfNone();
        }
        channels.awaitConnected(broker, timeout);
        return broker;
    }

    /** Publishes sent and not yet confirmed. */
    public synchronized int inFlight() {
        return pending.size();
    }

    /**
     * Waits until every publish made before the call is confirmed (or nacked, at the latest after
     * the delivery timeout).
     */
    public void flush() {
        List<CompletableFuture<PublishOutcome>> futures;
        synchronized (this) {
            futures = pending.values().stream().map(p -> p.future).toList();
        }
        futures.forEach(CompletableFuture::join);
    }

    /**
     * Waits up to {@code timeout} for the outstanding confirms; publishes still unconfirmed then
     * are nacked with REQUEST_TIMED_OUT. Closes the stream, the timer thread and the channels.
     * Idempotent.
     */
    public void close(Duration timeout) {
        closed = true;
        List<CompletableFuture<PublishOutcome>> futures;
        synchronized (this) {
            futures = pending.values().stream().map(p -> p.future).toList();
        }
        try {
            CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new))
                    .get(Math.max(1, timeout.toMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the ones left are nacked below
        }
        failAll("the publisher was closed before the confirm came");
        synchronized (sendLock) {
            if (stream != null) {
                flushOutgoing();
                stream.finish();
                stream = null;
            }
        }
        timer.shutdownNow();
        channels.close();
    }

    /** {@link #close(Duration)} waiting up to the delivery timeout. */
    @Override
    public void close() {
        close(config.deliveryTimeout());
    }

    /**
     * Sends (or resends) one publish on the current stream, opening one when there is none: it
     * joins the next batch, which the timer thread sends.
     */
    private void send(Pending entry) {
        synchronized (sendLock) {
            openStreamIfNone();
            entry.sentOn = streamGeneration;
            outgoing.add(entry);
            if (flushScheduled) {
                return;
            }
            try {
                timer.execute(this::flushOutgoing);
                flushScheduled = true;
            } catch (RejectedExecutionException e) {
                // closed meanwhile: close() nacks whatever is pending
            }
        }
    }

    /** Opens a stream to the home queue's leader, else to a bootstrap broker, unless one is open. Caller holds sendLock. */
    private Endpoint openStreamIfNone() {
        if (stream == null) {
            Endpoint broker = homeBroker().orElseGet(() ->
                    config.bootstrap().get(Math.floorMod(brokerIndex, config.bootstrap().size())));
            stream = new BrokerStream<>("Publish stream", broker, channels.channel(broker), BrokerServiceStub::publish,
                    listener);
            streamGeneration++;
        }
        return stream.broker();
    }

    /**
     * The leader of the home queue, asked of the brokers (a NOT_LEADER names it); empty without a
     * home queue or when no broker could say within a couple of seconds.
     */
    private Optional<Endpoint> homeBroker() {
        if (config.homeQueue().isEmpty()) {
            return Optional.empty();
        }
        String queue = config.homeQueue().get();
        List<Endpoint> candidates = new ArrayList<>();
        for (int i = 0; i < config.bootstrap().size(); i++) {
            candidates.add(config.bootstrap().get(Math.floorMod(brokerIndex + i, config.bootstrap().size())));
        }
        try {
            DescribeQueueResponse described = leaders.call(queue, "DescribeQueue", candidates,
                    stub -> stub.describeQueue(DescribeQueueRequest.newBuilder().setQueue(queue).build()),
                    DescribeQueueResponse::getError, HOME_LOOKUP_TIMEOUT);
            return described.getError().getCode() == ErrorCode.NONE ? leaders.knownLeader(queue) : Optional.empty();
        } catch (ClientException e) {
            return Optional.empty();
        }
    }

    /** Sends the publishes gathered since the last batch, in sequence order, as one batch. */
    private void flushOutgoing() {
        synchronized (sendLock) {
            flushScheduled = false;
            if (outgoing.isEmpty() || stream == null) {
                return;
            }
            List<Pending> batch = outgoing;
            outgoing = new ArrayList<>();
            try {
                for (PublishBatch publishes : batches(batch.stream().map(entry -> entry.request).toList(),
                        MAX_BATCH_BYTES)) {
                    stream.send(publishes);
                }
            } catch (RuntimeException e) {
                // the call is already closed: its end (reported to the listener) resends these too
                batch.forEach(entry -> entry.lastError = "sending failed: " + e.getMessage());
            }
        }
    }

    /** {@code requests} in order, as batches of at most {@code maxBytes} each (a larger request alone). */
    static List<PublishBatch> batches(List<PublishRequest> requests, int maxBytes) {
        List<PublishBatch> batches = new ArrayList<>();
        PublishBatch.Builder batch = PublishBatch.newBuilder();
        int bytes = 0;
        for (PublishRequest request : requests) {
            int size = request.getSerializedSize();
            if (batch.getPublishesCount() > 0 && bytes + size > maxBytes) {
                batches.add(batch.build());
                batch = PublishBatch.newBuilder();
                bytes = 0;
            }
            batch.addPublishes(request);
            bytes += size;
        }
        if (batch.getPublishesCount() > 0) {
            batches.add(batch.build());
        }
        return batches;
    }

    /** Resends the pending publishes not yet sent on the current stream, in sequence order. */
    private void resendAll() {
        synchronized (sendLock) {
            List<Pending> toSend;
            synchronized (this) {
                toSend = new ArrayList<>(pending.values());
            }
            for (Pending entry : toSend) {
                if (stream == null || entry.sentOn != streamGeneration) {
                    send(entry);
                }
            }
        }
    }

    private void resend(long sequence) {
        synchronized (sendLock) {
            Pending entry;
            synchronized (this) {
                entry = pending.get(sequence);
            }
            if (entry != null) {
                send(entry);
            }
        }
    }

    private void onConfirm(BrokerStream<PublishBatch, PublishConfirms> from, PublishResponse response) {
        Pending entry;
        boolean routed = response.getAck() || response.getReturned();
        synchronized (this) {
            entry = pending.get(response.getSequence());
            if (routed && leaderlessStream == from) {
                leaderlessStream = null; // the stream routes again: its NOT_LEADER episode is over
            }
        }
        if (entry == null) {
            return; // a second confirm of a publish sent twice
        }
        ErrorCode code = response.getError().getCode();
        if (routed) {
            finish(response.getSequence(), new PublishOutcome(response.getSequence(),
                    response.getReturned() ? PublishOutcome.Status.RETURNED : PublishOutcome.Status.ACKED,
                    ErrorCode.NONE, "", response.getRoutedQueues()));
        } else if (DataPlaneErrors.isRetriable(code) && System.nanoTime() < entry.deadlineNanos) {
            entry.lastError = code + ": " + response.getError().getMessage();
            if (leaderlessTooLong(from, response.getError(), System.nanoTime())) {
                schedule(() -> resendElsewhere(from, response.getSequence(), entry.lastError));
            } else {
                schedule(() -> resend(response.getSequence()));
            }
        } else {
            finish(response.getSequence(), PublishOutcome.nacked(response.getSequence(),
                    code == ErrorCode.NONE ? ErrorCode.UNKNOWN_SERVER_ERROR : code, response.getError().getMessage()));
        }
    }

    /**
     * Whether {@code error} is a NOT_LEADER naming no leader and {@code from} has answered nothing
     * but those for {@link #MOVE_AFTER_NO_LEADER}.
     */
    private synchronized boolean leaderlessTooLong(BrokerStream<PublishBatch, PublishConfirms> from, Error error,
                                                   long nowNanos) {
        if (error.getCode() != ErrorCode.NOT_LEADER || !error.getLeaderEndpoint().isBlank()) {
            return false;
        }
        if (leaderlessStream != from) {
            leaderlessStream = from;
            leaderlessSinceNanos = nowNanos;
            return false;
        }
        return nowNanos - leaderlessSinceNanos >= MOVE_AFTER_NO_LEADER.toNanos();
    }

    /**
     * Resends a publish after {@code from}'s broker answered NOT_LEADER naming no leader for too
     * long (see {@link #MOVE_AFTER_NO_LEADER}). Ending that stream moves every pending publish to
     * the next broker of the list, as a broken stream does; a stream already replaced only needs
     * this publish sent on its successor.
     */
    private void resendElsewhere(BrokerStream<PublishBatch, PublishConfirms> from, long sequence, String why) {
        synchronized (sendLock) {
            if (stream == from) {
                from.cancel("moving to another broker: " + why);
                return; // its end resends every pending publish, this one included
            }
        }
        resend(sequence);
    }

    private void onStreamEnded(BrokerStream<PublishBatch, PublishConfirms> ended, Status status) {
        boolean resend;
        synchronized (sendLock) {
            if (stream != ended) {
                return; // an older stream, already replaced
            }
            stream = null;
            outgoing.clear(); // pending still: resent below on the next stream
            brokerIndex++; // the next attempt goes to the next broker of the list
            synchronized (this) {
                pending.values().forEach(p -> p.lastError = "the stream to " + ended.broker() + " ended: "
                        + status.getCode() + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")"));
                resend = !pending.isEmpty();
            }
        }
        channels.reconnectPromptly(ended.broker());
        if (resend) {
            schedule(this::resendAll);
        }
    }

    private void schedule(Runnable task) {
        try {
            timer.schedule(task, config.retryBackoff().toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile: close() nacks whatever is pending
        }
    }

    /** Nacks the publishes whose delivery timeout passed. */
    private void expire() {
        long now = System.nanoTime();
        List<Long> expired = new ArrayList<>();
        synchronized (this) {
            pending.forEach((sequence, entry) -> {
                if (now - entry.deadlineNanos >= 0) {
                    expired.add(sequence);
                }
            });
        }
        for (long sequence : expired) {
            Pending entry;
            synchronized (this) {
                entry = pending.get(sequence);
            }
            if (entry != null) {
                finish(sequence, PublishOutcome.nacked(sequence, ErrorCode.REQUEST_TIMED_OUT, "not confirmed within "
                        + config.deliveryTimeout().toMillis() + " ms" + (entry.lastError == null ? ""
                        : "; last error: " + entry.lastError)));
            }
        }
    }

    private void failAll(String why) {
        List<Long> sequences;
        synchronized (this) {
            sequences = new ArrayList<>(pending.keySet());
        }
        sequences.forEach(sequence -> finish(sequence, PublishOutcome.nacked(sequence, ErrorCode.REQUEST_TIMED_OUT, why)));
    }

    /** Completes a pending publish once: whoever removes it completes it and frees its window slot. */
    private void finish(long sequence, PublishOutcome outcome) {
        Pending entry;
        synchronized (this) {
            entry = pending.remove(sequence);
        }
        if (entry != null) {
            window.release();
            entry.future.complete(outcome);
        }
    }

    /** A publish awaiting its confirm. */
    private static final class Pending {
        final PublishRequest request;
        final CompletableFuture<PublishOutcome> future;
        final long deadlineNanos;
        /** The generation of the stream it was last sent on (guarded by the send lock). */
        int sentOn;
        volatile String lastError;

        Pending(PublishRequest request, CompletableFuture<PublishOutcome> future, long deadlineNanos) {
            this.request = request;
            this.future = future;
            this.deadlineNanos = deadlineNanos;
        }
    }

    private final class StreamListener implements BrokerStream.Listener<PublishBatch, PublishConfirms> {
        @Override
        public void answered(BrokerStream<PublishBatch, PublishConfirms> from, PublishConfirms confirms) {
            confirms.getConfirmsList().forEach(confirm -> onConfirm(from, confirm));
        }

        @Override
        public void ended(BrokerStream<PublishBatch, PublishConfirms> from, Status status) {
            // not inline: the gRPC thread may be the one sending (in-process transports), and the
            // send lock must not be taken from under a confirm
            try {
                timer.execute(() -> onStreamEnded(from, status));
            } catch (RejectedExecutionException e) {
                // closed: nothing to resend
            }
        }
    }
}
