package io.wharf.client.dlq;

import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueueSubscription;
import io.wharf.client.queue.SubscribeOptions;
import io.wharf.proto.common.QueueInfo;
import java.util.concurrent.CompletableFuture;

/**
 * {@link DeadLetterLoop}'s counterpart for a queue consumer: each message is processed by the
 * application's {@link QueueMessageProcessor}, retried inline with backoff when it throws, and
 * after the last attempt published — by this loop, with a confirm — to the queue's
 * {@code x-dead-letter-exchange} with {@code error.*} headers ({@link QueueDeadLetter}); it is
 * acked only once it was processed or its dead letter confirmed. In ordered mode the key is named
 * by a message header; a key whose message is dead-lettered is first blocked on the
 * {@link BlockedKeys} topic, and its later messages are dead-lettered behind it unprocessed
 * ({@code error.cause=blocked_by_previous_failure}) until it is released.
 *
 * <p>Ordered mode keeps a key's order only if one consumer at a time receives the queue's
 * messages, so it requires a queue declared with {@code x-single-active-consumer=true}: among
 * competing consumers a key's next message could be processed by another consumer while this one
 * still retries the previous. Each delivery is handled only after the blocked-keys topic has been
 * read to its end, so a consumer that becomes the active one sees the blocks its predecessor wrote.
 *
 * <p>The handler runs on the {@link QueueConsumer}'s handler thread, which it holds while it
 * retries. When a dead letter or key block cannot be written, or the blocked keys cannot be read,
 * the loop stops: it settles nothing more and cancels its subscription, so the broker puts the
 * failed message and those behind it back in order, and {@link #done()} fails with the cause. The
 * caller owns and closes the consumer, publisher and blocked keys; the blocked keys must be used
 * by this loop only (they are not thread-safe).
 */
public final class QueueDeadLetterLoop implements AutoCloseable {

    private final QueueMessageHandler handler;
    private final BlockedKeys blocks;
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private volatile QueueSubscription subscription;
    private volatile Throwable failure;

    private QueueDeadLetterLoop(QueueMessageHandler handler, BlockedKeys blocks) {
        this.handler = handler;
        this.blocks = blocks;
    }

    /**
     * Reads the queue's dead-letter exchange (and, in ordered mode, checks it has a single active
     * consumer), then subscribes and handles its messages until {@link #close}.
     *
     * @param consumer subscribes to the queue; its handler thread runs the processor
     * @param publisher publishes the dead letters, with confirms
     * @param blocks the blocked keys, by default on {@code BlockedKeys.defaultTopic(queue)};
     *     required in ordered mode, else null
     * @param options the subscription's options; not no-ack (a message is acked once handled)
     * @throws IllegalArgumentException when the queue has no {@code x-dead-letter-exchange}, when
     *     ordered mode is asked of a queue without {@code x-single-active-consumer=true} or without
     *     blocked keys, or for a no-ack subscription
     * @throws io.wharf.client.ClientException when the queue cannot be described or subscribed to
     */
    public static QueueDeadLetterLoop start(QueueConsumer consumer, QueuePublisher publisher, BlockedKeys blocks,
                                            QueueDeadLetterConfig config, String queue, SubscribeOptions options,
                                            QueueMessageProcessor processor) {
        if (options.noAck()) {
            throw new IllegalArgumentException("the dead-letter loop acks each message once handled: subscribe to '"
                    + queue + "' without no-ack");
        }
        QueueInfo info = consumer.describe(queue);
        DeadLetterExchange target = DeadLetterExchange.of(info);
        if (config.isOrdered()) {
            if (!"true".equals(info.getArgumentsMap().get("x-single-active-consumer"))) {
                throw new IllegalArgumentException("ordered mode needs queue '" + queue + "' declared with "
                        + "x-single-active-consumer=true: among competing consumers a key's messages are processed "
                        + "side by side");
            }
            if (blocks == null) {
                throw new IllegalArgumentException("ordered mode keeps blocked keys on a topic: pass BlockedKeys");
            }
        }
        QueueMessageHandler handler = new QueueMessageHandler(
                new DeadLetterPolicy(config.backoff(), config.isOrdered()), processor,
                new PublisherDeadLetterSink(publisher), blocks, target, config.orderingKeyHeader(), Pause.SLEEP,
                System::currentTimeMillis);
        QueueDeadLetterLoop loop = new QueueDeadLetterLoop(handler, config.isOrdered() ? blocks : null);
        QueueSubscription subscription = consumer.subscribe(queue, options, loop::onDelivery);
        loop.attach(subscription);
        return loop;
    }

    private void attach(QueueSubscription attached) {
        subscription = attached;
        attached.done().whenComplete((ignored, error) -> {
            Throwable stoppedBy = failure;
            if (stoppedBy != null) {
                done.completeExceptionally(stoppedBy);
            } else if (error != null) {
                done.completeExceptionally(error);
            } else {
                done.complete(null);
            }
        });
        if (failure != null) {
            attached.cancel(); // the first delivery failed before the subscription was known here
        }
    }

    private void onDelivery(QueueDelivery delivery) {
        if (failure != null) {
            return; // stopped: left unsettled, the broker puts it back when the cancel reaches it
        }
        try {
            if (blocks != null) {
                // Before every delivery: sees the blocks a previous active consumer wrote before
                // acking its dead letters, and releases written since.
                blocks.catchUp();
            }
            handler.handle(delivery);
            delivery.ack();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop(new IllegalStateException("interrupted while handling " + delivery.deliveryTag() + " of queue '"
                    + delivery.queue() + "'", e));
        } catch (RuntimeException | Error e) {
            // Not left to the consumer, which would log it and go on with the next delivery:
            // handling the next message while this one is unsettled would break the key's order.
            stop(e);
        }
    }

    private void stop(Throwable cause) {
        failure = cause;
        QueueSubscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }

    /**
     * Completes once the loop is over: normally after {@link #close}, exceptionally with a
     * {@link DeadLetterWriteException} (a dead letter or key block not written), a
     * {@link io.wharf.client.ClientException} (blocked keys not readable, or the subscription
     * ended with an error), an {@link IllegalStateException} (interrupted) or whatever else the
     * handling of a message threw outside the processor's retries (an {@link Error} the processor
     * threw, for one).
     */
    public CompletableFuture<Void> done() {
        return done;
    }

    /**
     * Cancels the subscription: the broker puts back what it still holds. A message being handled
     * finishes, but its ack is not sent any more, so it is delivered again. Idempotent.
     */
    @Override
    public void close() {
        QueueSubscription current = subscription;
        if (current != null) {
            current.cancel();
        }
    }
}
