package io.wharf.client.queue;

import io.wharf.client.Endpoint;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link QueueConsumer} reaches the brokers and how long it retries. Immutable.
 *
 * @param bootstrap brokers to start from; a queue's leader is found by following their NOT_LEADER
 *     redirects
 * @param requestTimeout how long {@code subscribe} waits to be attached and a {@code get} may
 *     take, retries included (default 30 s)
 * @param reconnectTimeout how long a subscription whose stream broke keeps trying to subscribe
 *     again before it ends with the last error (default 120 s)
 * @param retryBackoff pause before a retry that does not follow a redirect (default 100 ms)
 */
public record QueueConsumerConfig(List<Endpoint> bootstrap, Duration requestTimeout, Duration reconnectTimeout,
                                  Duration retryBackoff) {

    public QueueConsumerConfig {
        bootstrap = List.copyOf(bootstrap);
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap names no broker; give host:port[,host:port...]");
        }
        if (requestTimeout.isZero() || requestTimeout.isNegative() || reconnectTimeout.isNegative()
                || retryBackoff.isNegative()) {
            throw new IllegalArgumentException("requestTimeout must be positive, reconnectTimeout and retryBackoff "
                    + "not negative");
        }
    }

    public static QueueConsumerConfig of(List<Endpoint> bootstrap) {
        return new QueueConsumerConfig(bootstrap, Duration.ofSeconds(30), Duration.ofSeconds(120), Duration.ofMillis(100));
    }

    public QueueConsumerConfig withRequestTimeout(Duration value) {
        return new QueueConsumerConfig(bootstrap, value, reconnectTimeout, retryBackoff);
    }

    public QueueConsumerConfig withReconnectTimeout(Duration value) {
        return new QueueConsumerConfig(bootstrap, requestTimeout, value, retryBackoff);
    }

    public QueueConsumerConfig withRetryBackoff(Duration value) {
        return new QueueConsumerConfig(bootstrap, requestTimeout, reconnectTimeout, value);
    }
}
