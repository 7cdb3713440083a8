package io.wharf.queue;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * The fixed settings of one queue's state machine. Every replica of the queue must use the same
 * settings, or their states diverge. Immutable.
 *
 * @param singleActiveConsumer  x-single-active-consumer: only one consumer receives deliveries
 * @param publisherWindow       how many recent sequences are remembered per publisher to drop retried publishes
 * @param maxPublishers         how many publishers are remembered; the least recently used is forgotten first
 * @param limits                TTL, length and delivery limits
 * @param deadLetterTarget      x-dead-letter-exchange (and routing key); empty: dead messages are dropped
 */
public record QueueSettings(boolean singleActiveConsumer, int publisherWindow, int maxPublishers,
                            QueueLimits limits, Optional<DeadLetterTarget> deadLetterTarget) {

    /** Sequences remembered per publisher by default. */
    public static final int DEFAULT_PUBLISHER_WINDOW = 1024;
    /** Publishers remembered by default. */
    public static final int DEFAULT_MAX_PUBLISHERS = 10_000;

    public QueueSettings {
        if (publisherWindow < 1 || maxPublishers < 1) {
            throw new IllegalArgumentException("publisherWindow and maxPublishers must be positive: "
                    + publisherWindow + ", " + maxPublishers);
        }
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(deadLetterTarget, "deadLetterTarget");
    }

    /** The given windows with the default limits and no dead-letter exchange. */
    public QueueSettings(boolean singleActiveConsumer, int publisherWindow, int maxPublishers) {
        this(singleActiveConsumer, publisherWindow, maxPublishers, QueueLimits.DEFAULTS, Optional.empty());
    }

    /** The default windows and limits, no dead-letter exchange, with or without single active consumer. */
    public static QueueSettings defaults(boolean singleActiveConsumer) {
        return new QueueSettings(singleActiveConsumer, DEFAULT_PUBLISHER_WINDOW, DEFAULT_MAX_PUBLISHERS);
    }

    /**
     * The settings a queue's x-arguments give, with the default windows. The arguments must have passed
     * the metadata's validation ({@code io.wharf.metadata.QueueArguments.validate}); unset ones take
     * RabbitMQ 4's defaults (a delivery limit of {@value QueueLimits#DEFAULT_DELIVERY_LIMIT}, drop-head).
     *
     * @throws NumberFormatException when a numeric argument is not a number (it was not validated)
     */
    public static QueueSettings fromArguments(Map<String, String> arguments) {
        QueueLimits limits = QueueLimits.DEFAULTS;
        String ttl = arguments.get("x-message-ttl");
        if (ttl != null) {
            limits = limits.withMessageTtlMs(Long.parseLong(ttl));
        }
        String maxLength = arguments.get("x-max-length");
        if (maxLength != null) {
            limits = limits.withMaxLength(Long.parseLong(maxLength));
        }
        String maxBytes = arguments.get("x-max-length-bytes");
        if (maxBytes != null) {
            limits = limits.withMaxLengthBytes(Long.parseLong(maxBytes));
        }
        if ("reject-publish".equals(arguments.get("x-overflow"))) {
            limits = limits.withOverflow(Overflow.REJECT_PUBLISH);
        }
        String deliveryLimit = arguments.get("x-delivery-limit");
        if (deliveryLimit != null) {
            int limit = Integer.parseInt(deliveryLimit);
            limits = limits.withDeliveryLimit(limit < 0 ? OptionalInt.empty() : OptionalInt.of(limit));
        }
        Optional<DeadLetterTarget> target = Optional.ofNullable(arguments.get("x-dead-letter-exchange"))
                .map(exchange -> new DeadLetterTarget(exchange,
                        Optional.ofNullable(arguments.get("x-dead-letter-routing-key"))));
        return new QueueSettings("true".equals(arguments.get("x-single-active-consumer")), DEFAULT_PUBLISHER_WINDOW,
                DEFAULT_MAX_PUBLISHERS, limits, target);
    }

    public QueueSettings withLimits(QueueLimits newLimits) {
        return new QueueSettings(singleActiveConsumer, publisherWindow, maxPublishers, newLimits, deadLetterTarget);
    }

    public QueueSettings withDeadLetterTarget(DeadLetterTarget target) {
        return new QueueSettings(singleActiveConsumer, publisherWindow, maxPublishers, limits, Optional.of(target));
    }
}
