package io.wharf.client.queue;

import io.grpc.ManagedChannel;
import io.wharf.client.ClientException;
import io.wharf.client.DaemonThreads;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.QueueInfo;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Consumes messages from queues, after AMQP's basic.consume and basic.get: {@link #subscribe}
 * attaches a handler to a queue on a {@code Consume} stream to the queue's leader (see
 * {@link QueueSubscription} for acks, redirects and reconnects); {@link #get} polls one message.
 *
 * <p>The consumer owns one thread, which runs every subscription's handler in delivery order and
 * their reconnects (a slow handler delays the other subscriptions' deliveries and reconnects: give
 * independent work its own consumer); {@link #close} cancels the subscriptions and stops it.
 * Thread-safe.
 */
public final class QueueConsumer implements AutoCloseable {

    private final QueueConsumerConfig config;
    private final EndpointChannels channels;
    private final ScheduledExecutorService executor;
    private final QueueLeaderCaller leaderCaller;
    private final List<QueueSubscription> subscriptions = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    public QueueConsumer(QueueConsumerConfig config) {
        this(config, EndpointChannels.plaintext());
    }

    /** With a transport of the caller's choosing (tests use in-process channels). */
    public QueueConsumer(QueueConsumerConfig config, Function<Endpoint, ManagedChannel> channelFactory) {
        this.config = config;
        this.channels = new EndpointChannels(channelFactory);
        this.executor = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("wharf-queue-consumer"));
        this.leaderCaller = new QueueLeaderCaller(channels, config.requestTimeout(), config.retryBackoff());
    }

    /**
     * Subscribes {@code handler} to {@code queue} and waits until the queue's leader attached it.
     *
     * @throws ClientException NOT_FOUND (no such queue), RESOURCE_LOCKED (an exclusive consumer is
     *     attached, or one was asked for while others consume), ACCESS_REFUSED, ... with the
     *     broker's message; REQUEST_TIMED_OUT when not attached within the request timeout
     * @throws IllegalStateException if the consumer is closed
     */
    public QueueSubscription subscribe(String queue, SubscribeOptions options, DeliveryHandler handler) {
        if (closed) {
            throw new IllegalStateException("the queue consumer is closed");
        }
        QueueSubscription subscription = new QueueSubscription(queue, options, handler, config, channels, executor);
        subscriptions.add(subscription);
        subscription.done().whenComplete((ignored, error) -> subscriptions.remove(subscription));
        subscription.start();
        try {
            subscription.attached().get(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return subscription;
        } catch (ExecutionException e) {
            subscription.cancel();
            if (e.getCause() instanceof ClientException failure) {
                throw failure;
            }
            throw new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "subscribing to queue '" + queue + "' failed: "
                    + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            subscription.cancel();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "queue '" + queue + "': no broker attached the "
                    + "subscription within " + config.requestTimeout().toMillis() + " ms (last tried "
                    + subscription.broker() + ")");
        } catch (InterruptedException e) {
            subscription.cancel();
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while subscribing to queue '"
                    + queue + "'", e);
        }
    }

    /**
     * Polls one message from {@code queue} (basic.get): the leader settles it before answering,
     * so it is not acked (and cannot be).
     *
     * @return the message, or empty when the queue has no ready message
     * @throws ClientException NOT_FOUND and other refusals, or the last retriable error after the request timeout
     */
    public Optional<QueueDelivery> get(String queue) {
        GetResponse response = leaderCaller.call(queue, "Get", config.bootstrap(),
                stub -> stub.get(GetRequest.newBuilder().setQueue(queue).build()), GetResponse::getError,
                config.requestTimeout());
        if (response.getError().getCode() != ErrorCode.NONE) {
            throw new ClientException(response.getError().getCode(), "getting from queue '" + queue + "' failed: "
                    + response.getError().getMessage());
        }
        return response.getEmpty() || !response.hasDelivery() ? Optional.empty()
                : Optional.of(new QueueDelivery(response.getDelivery(), null));
    }

    /**
     * The queue as its leader describes it: name, id and the x-arguments it was declared with
     * (what a client that adapts to the queue's settings reads, e.g. the dead-letter loop).
     *
     * @throws ClientException NOT_FOUND and other refusals, or the last retriable error after the request timeout
     */
    public QueueInfo describe(String queue) {
        DescribeQueueResponse response = leaderCaller.call(queue, "DescribeQueue", config.bootstrap(),
                stub -> stub.describeQueue(DescribeQueueRequest.newBuilder().setQueue(queue).build()),
                DescribeQueueResponse::getError, config.requestTimeout());
        if (response.getError().getCode() != ErrorCode.NONE) {
            throw new ClientException(response.getError().getCode(), "describing queue '" + queue + "' failed: "
                    + response.getError().getMessage());
        }
        return response.getQueue();
    }

    /** Cancels every subscription, stops the handler thread (letting a running handler finish) and closes the channels. */
    @Override
    public void close() {
        closed = true;
        subscriptions.forEach(QueueSubscription::cancel);
        executor.shutdown();
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
        channels.close();
    }
}
