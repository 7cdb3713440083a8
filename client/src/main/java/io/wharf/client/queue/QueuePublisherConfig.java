package io.wharf.client.queue;

import io.wharf.client.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a {@link QueuePublisher} reaches the brokers, how many publishes it keeps unconfirmed and how
 * long it retries. Immutable.
 *
 * @param bootstrap brokers to publish through (any broker routes); tried in turn when one fails
 * @param maxInFlight most publishes sent and not yet confirmed; {@code publish} blocks beyond it (default 1000)
 * @param deliveryTimeout bound on publish-to-confirm, retries included, as Kafka's
 *     {@code delivery.timeout.ms} (default 120 s)
 * @param maxBlock how long {@code publish} may wait for room in the window (default 60 s)
 * @param retryBackoff pause before resending after a failure (default 100 ms)
 * @param homeQueue a queue whose leader the publisher publishes through when it can learn it (empty:
 *     any bootstrap broker): a publisher whose messages go to one queue then skips the hop from
 *     the routing broker to that queue's leader, as a RabbitMQ client connected to the node
 *     hosting the queue's leader does. Any broker still routes, so it is only a preference.
 */
public record QueuePublisherConfig(List<Endpoint> bootstrap, int maxInFlight, Duration deliveryTimeout,
                                   Duration maxBlock, Duration retryBackoff, Optional<String> homeQueue) {

    public static final int DEFAULT_MAX_IN_FLIGHT = 1000;
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration DEFAULT_MAX_BLOCK = Duration.ofSeconds(60);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(100);

    public QueuePublisherConfig {
        bootstrap = List.copyOf(bootstrap);
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap names no broker; give host:port[,host:port...]");
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight must be at least 1, got " + maxInFlight);
        }
        if (deliveryTimeout.isZero() || deliveryTimeout.isNegative()) {
            throw new IllegalArgumentException("deliveryTimeout must be positive, got " + deliveryTimeout);
        }
        if (maxBlock.isNegative() || retryBackoff.isNegative()) {
            throw new IllegalArgumentException("maxBlock and retryBackoff must not be negative");
        }
        if (homeQueue.isPresent() && homeQueue.get().isEmpty()) {
            throw new IllegalArgumentException("homeQueue must name a queue; leave it empty for any broker");
        }
    }

    /** Defaults for everything but the brokers. */
    public static QueuePublisherConfig of(List<Endpoint> bootstrap) {
        return new QueuePublisherConfig(bootstrap, DEFAULT_MAX_IN_FLIGHT, DEFAULT_DELIVERY_TIMEOUT, DEFAULT_MAX_BLOCK,
                DEFAULT_RETRY_BACKOFF, Optional.empty());
    }

    public QueuePublisherConfig withMaxInFlight(int value) {
        return new QueuePublisherConfig(bootstrap, value, deliveryTimeout, maxBlock, retryBackoff, homeQueue);
    }

    public QueuePublisherConfig withDeliveryTimeout(Duration value) {
        return new QueuePublisherConfig(bootstrap, maxInFlight, value, maxBlock, retryBackoff, homeQueue);
    }

    public QueuePublisherConfig withMaxBlock(Duration value) {
        return new QueuePublisherConfig(bootstrap, maxInFlight, deliveryTimeout, value, retryBackoff, homeQueue);
    }

    public QueuePublisherConfig withRetryBackoff(Duration value) {
        return new QueuePublisherConfig(bootstrap, maxInFlight, deliveryTimeout, maxBlock, value, homeQueue);
    }

    /** Publishes through the leader of {@code queue} when it can be learned (see {@link #homeQueue}). */
    public QueuePublisherConfig withHomeQueue(String queue) {
        return new QueuePublisherConfig(bootstrap, maxInFlight, deliveryTimeout, maxBlock, retryBackoff,
                Optional.of(queue));
    }
}
