package io.wharf.cli.dlq;

import io.wharf.client.ClientException;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueueSubscription;
import io.wharf.client.queue.SubscribeOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads a queue's messages without taking them: a subscription whose deliveries are settled only
 * when the caller says so; {@link #close()} cancels it and the broker puts back every delivery
 * still held, as a requeue (not a failed delivery: x-delivery-count does not grow).
 *
 * <p>This is how {@code wharf dlq list|show} peek at a dead-letter queue, since {@code Get} settles
 * what it returns. The cost: each message read comes back with {@code redelivered} set, other
 * consumers of the queue do not get the messages while they are held here, and messages other
 * consumers hold are not seen. Messages arrive in queue order, oldest first.
 *
 * <p>The window (prefetch) starts at {@code window} and grows by one for every delivery the
 * caller {@link #keep keeps} held, so that kept messages never stall the reading. {@link #next} is for one
 * thread; {@link #keep} and {@link #close} may be called from any.
 */
public final class DeadLetterReader implements AutoCloseable {

    private final QueueSubscription subscription;
    private final LinkedBlockingQueue<QueueDelivery> arrived;
    private final int window;
    private final AtomicInteger kept = new AtomicInteger();

    private DeadLetterReader(QueueSubscription subscription, LinkedBlockingQueue<QueueDelivery> arrived, int window) {
        this.subscription = subscription;
        this.arrived = arrived;
        this.window = window;
    }

    /**
     * Subscribes to {@code queue} with a prefetch of {@code window} (at least 1).
     *
     * @throws ClientException NOT_FOUND when there is no such queue, and the other subscribe refusals
     */
    public static DeadLetterReader open(QueueConsumer consumer, String queue, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be at least 1, got " + window);
        }
        LinkedBlockingQueue<QueueDelivery> arrived = new LinkedBlockingQueue<>();
        QueueSubscription subscription = consumer.subscribe(queue,
                SubscribeOptions.defaults().withPrefetch(window), arrived::add);
        return new DeadLetterReader(subscription, arrived, window);
    }

    /**
     * Reads up to {@code max} messages of {@code queue}, waiting at most {@code idle} for each, and
     * puts them all back.
     */
    public static List<QueueDelivery> peek(QueueConsumer consumer, String queue, int max, Duration idle) {
        List<QueueDelivery> read = new ArrayList<>();
        if (max < 1) {
            return read;
        }
        try (DeadLetterReader reader = open(consumer, queue, max)) {
            while (read.size() < max) {
                Optional<QueueDelivery> next = reader.next(idle);
                if (next.isEmpty()) {
                    break;
                }
                read.add(next.get());
            }
        }
        return read;
    }

    /**
     * The next delivery, or empty when none came within {@code idle}.
     *
     * @throws ClientException when the subscription ended (the queue was deleted, ...)
     */
    public Optional<QueueDelivery> next(Duration idle) {
        try {
            QueueDelivery delivery = arrived.poll(idle.toMillis(), TimeUnit.MILLISECONDS);
            if (delivery == null) {
                subscription.throwIfFailed();
            }
            return Optional.ofNullable(delivery);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /** The caller leaves a delivery it read held until {@link #close()}: the window grows by one to make room. */
    public void keep() {
        subscription.setPrefetch(window + kept.incrementAndGet());
    }

    /** Cancels the subscription: every delivery still held goes back to the queue. */
    @Override
    public void close() {
        subscription.cancel();
    }
}
