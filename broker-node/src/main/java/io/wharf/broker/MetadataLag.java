package io.wharf.broker;

/**
 * Decides when the broker's metadata stream has stalled: the active controller reports, in each
 * heartbeat answer, the offset its image has reached; an offset the broker's image still lacks
 * {@code maxLagMs} after the controller first reported it means the controller serving the
 * stream has stopped applying (it is cut off, or its log cannot progress), and the stream should
 * move. Normal lag is milliseconds, so a healthy stream never trips it.
 *
 * <p>Pure and not thread-safe: the caller serialises calls and supplies the clock.
 */
final class MetadataLag {

    private static final long NONE = Long.MIN_VALUE;

    private final long maxLagMs;
    private long awaitedOffset = NONE;
    private long awaitedSinceMs;

    MetadataLag(long maxLagMs) {
        if (maxLagMs <= 0) {
            throw new IllegalArgumentException("maxLagMs must be positive, was " + maxLagMs);
        }
        this.maxLagMs = maxLagMs;
    }

    /**
     * Records that the active controller was at {@code leaderOffset} while this broker's image
     * is at {@code imageOffset}.
     *
     * @return true when an offset reported at least {@code maxLagMs} ago is still missing: replace
     *     the stream (the wait starts over)
     */
    boolean observe(long imageOffset, long leaderOffset, long nowMs) {
        if (awaitedOffset != NONE && imageOffset >= awaitedOffset) {
            awaitedOffset = NONE;
        }
        if (awaitedOffset == NONE) {
            if (imageOffset < leaderOffset) {
                awaitedOffset = leaderOffset;
                awaitedSinceMs = nowMs;
            }
            return false;
        }
        if (nowMs - awaitedSinceMs >= maxLagMs) {
            awaitedOffset = NONE;
            return true;
        }
        return false;
    }

    /** The offset being waited for, for logs; {@code Long.MIN_VALUE} when none. */
    long awaitedOffset() {
        return awaitedOffset;
    }
}
