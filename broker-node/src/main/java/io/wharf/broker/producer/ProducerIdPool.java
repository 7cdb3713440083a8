package io.wharf.broker.producer;

import java.util.OptionalLong;

/**
 * The block of producer ids the controller quorum last handed this broker, and how far it is
 * used: ids are given out once each, in order. Not thread-safe; its owner serializes access.
 */
final class ProducerIdPool {

    private long next;
    private long end;

    /** The next unused id, or empty when the block is used up (or none was received yet). */
    OptionalLong take() {
        if (next >= end) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(next++);
    }

    /**
     * Replaces the block with {@code [start, start + count)}; what was left of the old one is
     * dropped (unused ids are simply never handed out).
     *
     * @throws IllegalArgumentException for a negative start or a count below 1
     */
    void refill(long start, int count) {
        if (start < 0 || count < 1) {
            throw new IllegalArgumentException("a producer id block needs start >= 0 and count >= 1, got start "
                    + start + " count " + count);
        }
        next = start;
        end = start + count;
    }
}
