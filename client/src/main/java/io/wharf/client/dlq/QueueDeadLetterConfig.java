package io.wharf.client.dlq;

import java.util.Optional;

/**
 * Settings of a {@link QueueDeadLetterLoop}. Immutable.
 *
 * @param backoff attempts and delays for a failing message; also the budget for writing its dead
 *     letter or key block (default {@link RetryBackoff#DEFAULT})
 * @param orderingKeyHeader in ordered mode, the message header whose value (UTF-8) is the
 *     ordering key; empty for unordered mode (the default)
 */
public record QueueDeadLetterConfig(RetryBackoff backoff, Optional<String> orderingKeyHeader) {

    /** The header {@link #ordered()} reads the ordering key from unless told another. */
    public static final String DEFAULT_ORDERING_KEY_HEADER = "ordering-key";

    public QueueDeadLetterConfig {
        if (orderingKeyHeader.isPresent() && orderingKeyHeader.get().isBlank()) {
            throw new IllegalArgumentException("the ordering key header needs a name");
        }
    }

    /** Unordered, {@link RetryBackoff#DEFAULT}. */
    public static QueueDeadLetterConfig defaults() {
        return new QueueDeadLetterConfig(RetryBackoff.DEFAULT, Optional.empty());
    }

    /** Ordered mode, the key in header {@value #DEFAULT_ORDERING_KEY_HEADER}. */
    public QueueDeadLetterConfig ordered() {
        return orderedBy(DEFAULT_ORDERING_KEY_HEADER);
    }

    /** Ordered mode, the key in header {@code header}. */
    public QueueDeadLetterConfig orderedBy(String header) {
        return new QueueDeadLetterConfig(backoff, Optional.of(header));
    }

    public QueueDeadLetterConfig withBackoff(RetryBackoff value) {
        return new QueueDeadLetterConfig(value, orderingKeyHeader);
    }

    /** Whether a dead-lettered key blocks its later messages. */
    public boolean isOrdered() {
        return orderingKeyHeader.isPresent();
    }
}
