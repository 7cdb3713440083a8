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
        return new DeadLetterConfig("-dlq", new RetryBackoff(Duration.ofMillis(100), Duration.ofSeconds(10), 3), false,
                Duration.ofMillis(500));
    }

    /** The dead-letter topic of {@code sourceTopic}. */
    public String deadLetterTopic(String sourceTopic) {
        return sourceTopic + topicSuffix;
    }

    /** These settings in ordered mode or not. */
    public DeadLetterConfig withOrdered(boolean value) {
        return new DeadLetterConfig(topicSuffix, backoff, value, pollTimeout);
    }

    /** These settings with another retry schedule. */
    public DeadLetterConfig withBackoff(RetryBackoff value) {
        return new DeadLetterConfig(topicSuffix, value, ordered, pollTimeout);
    }
}
