package io.wharf.queue;

import java.util.Objects;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * When messages of a queue die: TTL, length limits and the delivery limit, as RabbitMQ's queue
 * arguments set them. Immutable.
 *
 * @param messageTtlMs   x-message-ttl: a message expires this long after its Enqueue was written; empty: never
 * @param maxLength      x-max-length: most ready messages; empty: no limit
 * @param maxLengthBytes x-max-length-bytes: most body bytes of ready messages; empty: no limit
 * @param overflow       x-overflow: what one more message does to a queue at its limits
 * @param deliveryLimit  x-delivery-limit: a message dies on its failed delivery number limit + 1; empty: unlimited
 */
public record QueueLimits(OptionalLong messageTtlMs, OptionalLong maxLength, OptionalLong maxLengthBytes,
                          Overflow overflow, OptionalInt deliveryLimit) {

    /** RabbitMQ 4's delivery limit of quorum queues when x-delivery-limit is unset. */
    public static final int DEFAULT_DELIVERY_LIMIT = 20;

    /** No TTL, no length limit, drop-head, and the default delivery limit. */
    public static final QueueLimits DEFAULTS = new QueueLimits(OptionalLong.empty(), OptionalLong.empty(),
            OptionalLong.empty(), Overflow.DROP_HEAD, OptionalInt.of(DEFAULT_DELIVERY_LIMIT));

    public QueueLimits {
        Objects.requireNonNull(overflow, "overflow");
        if (negative(messageTtlMs) || negative(maxLength) || negative(maxLengthBytes)
                || (deliveryLimit.isPresent() && deliveryLimit.getAsInt() < 0)) {
            throw new IllegalArgumentException("limits must not be negative: " + messageTtlMs + ", " + maxLength
                    + ", " + maxLengthBytes + ", " + deliveryLimit);
        }
    }

    public QueueLimits withMessageTtlMs(long ttlMs) {
        return new QueueLimits(OptionalLong.of(ttlMs), maxLength, maxLengthBytes, overflow, deliveryLimit);
    }

    public QueueLimits withMaxLength(long max) {
        return new QueueLimits(messageTtlMs, OptionalLong.of(max), maxLengthBytes, overflow, deliveryLimit);
    }

    public QueueLimits withMaxLengthBytes(long max) {
        return new QueueLimits(messageTtlMs, maxLength, OptionalLong.of(max), overflow, deliveryLimit);
    }

    public QueueLimits withOverflow(Overflow newOverflow) {
        return new QueueLimits(messageTtlMs, maxLength, maxLengthBytes, newOverflow, deliveryLimit);
    }

    /** @param limit the new delivery limit; empty: unlimited (RabbitMQ's -1) */
    public QueueLimits withDeliveryLimit(OptionalInt limit) {
        return new QueueLimits(messageTtlMs, maxLength, maxLengthBytes, overflow, limit);
    }

    /** Whether {@code count} messages of {@code bytes} body bytes exceed a length limit. */
    boolean exceeded(long count, long bytes) {
        return (maxLength.isPresent() && count > maxLength.getAsLong())
                || (maxLengthBytes.isPresent() && bytes > maxLengthBytes.getAsLong());
    }

    /** Whether {@code failedDeliveries} is past the delivery limit. */
    boolean pastDeliveryLimit(int failedDeliveries) {
        return deliveryLimit.isPresent() && failedDeliveries > deliveryLimit.getAsInt();
    }

    /**
     * When a message enqueued at {@code enqueuedAtMs} with the per-message {@code expiration} (a decimal
     * string of milliseconds, "" for none) expires: after the lower of it and x-message-ttl. An
     * expiration that is not a whole number >= 0 is ignored (the publish path refuses it before it gets
     * here; the machine must stay total).
     *
     * @return the expiry, at least 1 (0 means never, as in a checkpoint), or 0 when neither TTL is set
     */
    long expiresAtMs(long enqueuedAtMs, String expiration) {
        OptionalLong ttl = messageTtlMs;
        OptionalLong own = parseExpiration(expiration);
        if (own.isPresent() && (ttl.isEmpty() || own.getAsLong() < ttl.getAsLong())) {
            ttl = own;
        }
        if (ttl.isEmpty()) {
            return 0;
        }
        long at = enqueuedAtMs + ttl.getAsLong();
        if (at < enqueuedAtMs) {
            return Long.MAX_VALUE;  // overflowed: as good as never, but still a TTL
        }
        return Math.max(1, at);
    }

    private static OptionalLong parseExpiration(String expiration) {
        if (expiration.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long ms = Long.parseLong(expiration);
            return ms >= 0 ? OptionalLong.of(ms) : OptionalLong.empty();
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static boolean negative(OptionalLong value) {
        return value.isPresent() && value.getAsLong() < 0;
    }
}
