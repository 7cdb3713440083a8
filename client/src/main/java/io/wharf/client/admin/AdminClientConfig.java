package io.wharf.client.admin;

import io.wharf.client.Endpoint;
import java.time.Duration;
import java.util.List;

/**
 * How an {@link AdminClient} reaches the controllers and how long it keeps retrying. Immutable.
 *
 * @param bootstrap the controllers' ControllerService endpoints; at least one
 * @param attemptTimeout deadline of one RPC attempt (default 3 s)
 * @param totalTimeout how long one call may keep retrying retriable failures (default 15 s)
 * @param retryBackoff pause before a retry that is not a redirect to the leader (default 50 ms)
 */
public record AdminClientConfig(List<Endpoint> bootstrap, Duration attemptTimeout, Duration totalTimeout,
                                Duration retryBackoff) {

    public static final Duration DEFAULT_ATTEMPT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_TOTAL_TIMEOUT = Duration.ofSeconds(15);
    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofMillis(50);

    public AdminClientConfig {
        bootstrap = List.copyOf(bootstrap);
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("the bootstrap list names no controller; give host:port[,host:port...]");
        }
        requirePositive("attemptTimeout", attemptTimeout);
        requirePositive("totalTimeout", totalTimeout);
        if (retryBackoff.isNegative()) {
            throw new IllegalArgumentException("retryBackoff must not be negative, got " + retryBackoff);
        }
    }

    /** Defaults for every timing, with the given controllers. */
    public static AdminClientConfig of(List<Endpoint> bootstrap) {
        return new AdminClientConfig(bootstrap, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_TOTAL_TIMEOUT, DEFAULT_RETRY_BACKOFF);
    }

    /** Defaults for every timing, with controllers as {@code host:port,...}. */
    public static AdminClientConfig of(String bootstrap) {
        return of(Endpoint.parseList(bootstrap));
    }

    public AdminClientConfig withAttemptTimeout(Duration value) {
        return new AdminClientConfig(bootstrap, value, totalTimeout, retryBackoff);
    }

    public AdminClientConfig withTotalTimeout(Duration value) {
        return new AdminClientConfig(bootstrap, attemptTimeout, value, retryBackoff);
    }

    public AdminClientConfig withRetryBackoff(Duration value) {
        return new AdminClientConfig(bootstrap, attemptTimeout, totalTimeout, value);
    }

    private static void requirePositive(String name, Duration value) {
        if (value.isZero() || value.isNegative()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
