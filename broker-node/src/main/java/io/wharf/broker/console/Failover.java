package io.wharf.broker.console;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * One change of a partition's leader, as this broker's metadata showed it. Immutable.
 *
 * @param previousLeader the broker that led before, -1 when the partition had no leader
 * @param newLeader      the broker leading since {@code electedAtMs}
 * @param leaderEpoch    the new leader's epoch
 * @param lostAtMs       when the previous leader was lost: for a fenced leader, its last heartbeat the
 *                       controllers reported (as of this broker's latest poll of them) when that is earlier
 *                       than the metadata change; otherwise when this broker's metadata first showed the
 *                       partition without a live leader
 * @param electedAtMs    when this broker's metadata first showed the new leader
 * @param cause          why the leadership moved
 */
public record Failover(String topic, int partition, int previousLeader, int newLeader, int leaderEpoch,
                       long lostAtMs, long electedAtMs, Cause cause) {

    /** Why a partition's leadership moved. */
    public enum Cause {
        /** The previous leader was fenced: its heartbeats stopped or its process was seen gone. */
        LEADER_FENCED,
        /** The previous leader handed its leaderships over in a controlled shutdown. */
        LEADER_SHUT_DOWN,
        /** The partition had no leader (every in-sync replica was down) and one came back. */
        NO_LEADER,
        /** The previous leader is alive: a preferred-leader election or a reassignment moved it. */
        LEADER_MOVED
    }

    /** How long the partition had no usable leader: from {@code lostAtMs} to {@code electedAtMs}. */
    @JsonProperty("durationMs")
    public long durationMs() {
        return Math.max(0, electedAtMs - lostAtMs);
    }
}
