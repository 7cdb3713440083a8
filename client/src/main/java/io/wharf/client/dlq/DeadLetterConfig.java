package io.wharf.client.dlq;

import java.time.Duration;

/**
 * Settings of a {@link DeadLetterLoop}.
 *
 * @param topicSuffix {@code dlq.topic.suffix}: a source topic's dead letters go to the topic named
 *     like it plus this suffix; default {@code -dlq}
 * @param backoff {@code retry.max.attempts} (default 3), {@code retry.backoff.initial.ms} (default
 *     100 ms) and {@code retry.backoff.max.ms} (default 10 s); also the budget for writing a dead
 *     letter or a key block
 * @param ordered {@code dlq.ordered}: a dead-lettered key blocks its later records until released;
 *     default false
 * @param pollTimeout {@code poll.timeout.ms}: how long one poll waits for records, so that
 *     {@link DeadLetterLoop#stop} takes effect within it; default 500 ms
 */
public record DeadLetterConfig(String topicSuffix, RetryBackoff backoff, boolean ordered, Duration pollTimeout) {

    public DeadLetterConfig {
        if (topicSuffix == null || topicSuffix.isEmpty()) {
            throw new IllegalArgumentException("the dead-letter topic suffix must not be empty: dead letters would go back to their source");
        }
        if (pollTimeout.isNegative()) {
            throw new IllegalArgumentException("poll timeout must not be negative, got " + pollTimeout);
        }
    }

    /** The defaults. */
    public static DeadLetterConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The dead-letter topic of {@code sourceTopic}. */
    public String deadLetterTopic(String sourceTopic) {
        return sourceTopic + topicSuffix;
    }

    /** Collects settings over the defaults. Single-threaded. */
    public static final class Builder {
        private String topicSuffix = "-dlq";
        private int maxAttempts = RetryBackoff.DEFAULT.maxAttempts();
        private Duration initialBackoff = RetryBackoff.DEFAULT.initialDelay();
        private Duration maxBackoff = RetryBackoff.DEFAULT.maxDelay();
        private boolean ordered;
        private Duration pollTimeout = Duration.ofMillis(500);

        private Builder() {
        }

        public Builder topicSuffix(String value) {
            topicSuffix = value;
            return this;
        }

        public Builder maxAttempts(int value) {
            maxAttempts = value;
            return this;
        }

        public Builder initialBackoff(Duration value) {
            initialBackoff = value;
            return this;
        }

        public Builder maxBackoff(Duration value) {
            maxBackoff = value;
            return this;
        }

        public Builder ordered(boolean value) {
            ordered = value;
            return this;
        }

        public Builder pollTimeout(Duration value) {
            pollTimeout = value;
            return this;
        }

        /** @throws IllegalArgumentException for a setting out of range */
        public DeadLetterConfig build() {
            return new DeadLetterConfig(topicSuffix, new RetryBackoff(initialBackoff, maxBackoff, maxAttempts), ordered,
                    pollTimeout);
        }
    }
}
