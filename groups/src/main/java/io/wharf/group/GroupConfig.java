package io.wharf.group;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The coordinator's settings: defaults and broker bounds for the per-member timeouts, the
 * assignors (the first is the default), and the longest offset metadata. Validated once, here.
 * Immutable.
 *
 * @param sessionTimeoutMs       session timeout of a member that asks for none
 * @param minSessionTimeoutMs    the lowest session timeout a member gets
 * @param maxSessionTimeoutMs    the highest session timeout a member gets
 * @param heartbeatIntervalMs    heartbeat interval of a member that asks for none
 * @param minHeartbeatIntervalMs the lowest heartbeat interval a member gets
 * @param maxHeartbeatIntervalMs the highest heartbeat interval a member gets
 * @param rebalanceTimeoutMs     how long a member that asks for no other value may take to revoke
 *                               partitions before it is removed
 * @param assignors              the server assignors; the first is the default
 * @param maxOffsetMetadataChars the longest metadata string an offset commit may carry
 */
public record GroupConfig(int sessionTimeoutMs, int minSessionTimeoutMs, int maxSessionTimeoutMs,
                          int heartbeatIntervalMs, int minHeartbeatIntervalMs, int maxHeartbeatIntervalMs,
                          int rebalanceTimeoutMs, List<PartitionAssignor> assignors, int maxOffsetMetadataChars) {

    /**
     * Kafka's defaults: session 45 s (45–60 s), heartbeat 5 s (5–15 s), rebalance timeout 5 min (a
     * consumer's default max.poll.interval.ms), uniform then range, 4096 chars.
     */
    public static GroupConfig defaults() {
        return new GroupConfig(45_000, 45_000, 60_000, 5_000, 5_000, 15_000, 300_000,
                List.of(new UniformAssignor(), new RangeAssignor()), 4096);
    }

    /** @throws IllegalArgumentException naming the setting that is out of order */
    public GroupConfig {
        assignors = List.copyOf(assignors);
        requireOrdered("session timeout", minSessionTimeoutMs, sessionTimeoutMs, maxSessionTimeoutMs);
        requireOrdered("heartbeat interval", minHeartbeatIntervalMs, heartbeatIntervalMs, maxHeartbeatIntervalMs);
        if (heartbeatIntervalMs >= sessionTimeoutMs) {
            throw new IllegalArgumentException("heartbeat interval " + heartbeatIntervalMs
                    + " ms must be below the session timeout " + sessionTimeoutMs + " ms");
        }
        if (rebalanceTimeoutMs <= 0) {
            throw new IllegalArgumentException("rebalance timeout must be positive, got " + rebalanceTimeoutMs);
        }
        if (assignors.isEmpty()) {
            throw new IllegalArgumentException("at least one assignor is needed");
        }
        Set<String> names = new HashSet<>();
        for (PartitionAssignor assignor : assignors) {
            if (!names.add(assignor.name())) {
                throw new IllegalArgumentException("two assignors are named " + assignor.name());
            }
        }
        if (maxOffsetMetadataChars < 0) {
            throw new IllegalArgumentException("max offset metadata must not be negative: " + maxOffsetMetadataChars);
        }
    }

    /** The same settings with other timeout defaults and bounds (tests use short ones). */
    public GroupConfig withTimeouts(int session, int minSession, int maxSession, int heartbeat, int minHeartbeat,
                                    int maxHeartbeat) {
        return new GroupConfig(session, minSession, maxSession, heartbeat, minHeartbeat, maxHeartbeat,
                rebalanceTimeoutMs, assignors,
                maxOffsetMetadataChars);
    }

    /** The session timeout a member asking for {@code requested} gets: the default, or the request within bounds. */
    public int sessionTimeoutFor(OptionalInt requested) {
        return clamp(requested, sessionTimeoutMs, minSessionTimeoutMs, maxSessionTimeoutMs);
    }

    /** The heartbeat interval a member asking for {@code requested} gets. */
    public int heartbeatIntervalFor(OptionalInt requested) {
        return clamp(requested, heartbeatIntervalMs, minHeartbeatIntervalMs, maxHeartbeatIntervalMs);
    }

    /** The rebalance timeout a member asking for {@code requested} gets: the request, else the default. */
    public int rebalanceTimeoutFor(OptionalInt requested) {
        return requested.orElse(rebalanceTimeoutMs);
    }

    /** The assignor named {@code name}, empty when there is none. */
    public Optional<PartitionAssignor> assignor(String name) {
        return assignors.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    /** The assignor groups use when no member asks for one. */
    public PartitionAssignor defaultAssignor() {
        return assignors.get(0);
    }

    private static int clamp(OptionalInt requested, int fallback, int min, int max) {
        return requested.isPresent() ? Math.max(min, Math.min(max, requested.getAsInt())) : fallback;
    }

    private static void requireOrdered(String what, int min, int value, int max) {
        if (min <= 0 || min > value || value > max) {
            throw new IllegalArgumentException(what + " must satisfy 0 < min <= default <= max, got min " + min
                    + ", default " + value + ", max " + max);
        }
    }
}
