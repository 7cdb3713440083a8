package io.wharf.cluster;

import static org.awaitility.Awaitility.await;

import io.wharf.client.Endpoint;
import io.wharf.client.queue.PublishOutcome;
import io.wharf.client.queue.QueueConsumer;
import io.wharf.client.queue.QueueConsumerConfig;
import io.wharf.client.queue.QueueDelivery;
import io.wharf.client.queue.QueuePublisher;
import io.wharf.client.queue.QueuePublisherConfig;
import io.wharf.client.queue.QueueSubscription;
import io.wharf.client.queue.SubscribeOptions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A replicated queue worked on throughout a nemesis run: a publisher with confirms sends about 250
 * messages/s on a thread this class owns, a consumer acks each delivery and waits for the ack's
 * confirm, and everything lands in {@link QueueDeliveries}. {@link #drain} stops publishing and
 * consumes until every confirmed message was delivered, then returns the history to check.
 */
final class QueueWorkload implements AutoCloseable {

    private static final int MESSAGES_PER_TICK = 5;
    private static final Duration TICK = Duration.ofMillis(20);
    private static final Duration DRAIN_LIMIT = Duration.ofSeconds(60);

    private final String queue;
    private final QueueDeliveries history = new QueueDeliveries();
    private final QueuePublisher publisher;
    private final QueueConsumer consumer;
    private final ScheduledExecutorService sender;
    private QueueSubscription subscription;
    private long nextSequence;  // sender thread only

    /** Starts publishing to and consuming from {@code queue} through {@code brokers}. */
    QueueWorkload(String queue, List<Endpoint> brokers) {
        this.queue = queue;
        this.publisher = new QueuePublisher(QueuePublisherConfig.of(brokers).withMaxInFlight(200));
        this.consumer = new QueueConsumer(QueueConsumerConfig.of(brokers));
        this.subscription = consumer.subscribe(queue, SubscribeOptions.defaults().withPrefetch(50), this::handle);
        this.sender = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, queue + "-publisher");
            thread.setDaemon(true);
            return thread;
        });
        sender.scheduleWithFixedDelay(this::publishTick, 0, TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void publishTick() {
        for (int i = 0; i < MESSAGES_PER_TICK; i++) {
            String body = queue + "-" + nextSequence++;
            history.published(body);
            try {
                publisher.publish("", queue, body.getBytes(StandardCharsets.UTF_8)).thenAccept(outcome -> {
                    if (outcome.status() == PublishOutcome.Status.ACKED) {
                        history.confirmed(body);
                    }
                });
            } catch (RuntimeException e) {
                // Refused outright (too many in flight while a leader moves): never confirmed, so
                // never owed; the scheduled task must go on.
            }
        }
    }

    private void handle(QueueDelivery delivery) {
        String body = new String(delivery.body(), StandardCharsets.UTF_8);
        history.delivered(body);
        delivery.ackSync().thenRun(() -> history.ackConfirmed(body));
    }

    /** How many messages were confirmed so far. */
    int confirmed() {
        return history.confirmedCount();
    }

    /**
     * Stops publishing, waits for the outstanding confirms, and consumes (with a fresh subscription
     * should the first have ended) until every confirmed message was delivered or
     * {@link #DRAIN_LIMIT} passed; returns the history, whose anomalies the caller checks.
     */
    QueueDeliveries drain() {
        stopPublishing();
        publisher.flush();
        subscription.cancel();
        subscription = consumer.subscribe(queue, SubscribeOptions.defaults().withPrefetch(200), this::handle);
        try {
            await("every confirmed message of " + queue + " delivered").atMost(DRAIN_LIMIT)
                    .pollInterval(Duration.ofMillis(200)).until(history::everyConfirmedDelivered);
        } catch (ConditionTimeoutException e) {
            // Not a failure of the run by itself: the history's anomalies name what was lost.
        }
        return history;
    }

    private void stopPublishing() {
        sender.shutdown();
        try {
            if (!sender.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the publisher thread of " + queue + " did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        sender.shutdownNow();
        subscription.cancel();
        publisher.close(Duration.ofSeconds(5));
        consumer.close();
    }
}
