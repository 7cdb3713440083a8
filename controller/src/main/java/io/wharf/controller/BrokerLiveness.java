package io.wharf.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Broker sessions as the active controller sees them: when each broker (at which epoch) last
 * heartbeated, and whose session has run out. Soft state, never replicated: a new active controller
 * starts every registered broker on a fresh session. Pure (time is passed in); not thread-safe,
 * owned by {@link LeaderDuties}.
 */
final class BrokerLiveness {

    /** A broker whose session ran out at the given epoch. */
    record ExpiredSession(int brokerId, long epoch) {
    }

    private record Session(long epoch, long lastHeartbeatMs) {
    }

    private final long sessionTimeoutMs;
    private final Map<Integer, Session> sessions = new TreeMap<>();

    /** @param sessionTimeoutMs a broker silent for longer than this is expired */
    BrokerLiveness(long sessionTimeoutMs) {
        if (sessionTimeoutMs <= 0) {
            throw new IllegalArgumentException("session timeout must be positive, got " + sessionTimeoutMs);
        }
        this.sessionTimeoutMs = sessionTimeoutMs;
    }

    /** Records a heartbeat of {@code brokerId} at {@code epoch}; a newer epoch replaces the old session. */
    void heartbeat(int brokerId, long epoch, long nowMs) {
        Session current = sessions.get(brokerId);
        if (current == null || epoch >= current.epoch()) {
            sessions.put(brokerId, new Session(epoch, nowMs));
        }
    }

    /**
     * Starts a fresh session for a broker this controller has no session for (it just became
     * active, or the broker registered elsewhere), so nobody is fenced for silence that happened
     * before this controller was listening. Existing sessions at the same or a newer epoch are kept.
     */
    void ensureSession(int brokerId, long epoch, long nowMs) {
        Session current = sessions.get(brokerId);
        if (current == null || epoch > current.epoch()) {
            sessions.put(brokerId, new Session(epoch, nowMs));
        }
    }

    /** Forgets a broker that is no longer registered. */
    void forget(int brokerId) {
        sessions.remove(brokerId);
    }

    /** Brokers whose last heartbeat is more than the session timeout before {@code nowMs}, by id. */
    List<ExpiredSession> expired(long nowMs) {
        List<ExpiredSession> result = new ArrayList<>();
        sessions.forEach((id, session) -> {
            if (nowMs - session.lastHeartbeatMs() > sessionTimeoutMs) {
                result.add(new ExpiredSession(id, session.epoch()));
            }
        });
        return result;
    }

    /** Milliseconds since {@code brokerId} last heartbeated, empty when it has no session. */
    OptionalLong msSinceHeartbeat(int brokerId, long nowMs) {
        Session session = sessions.get(brokerId);
        return session == null ? OptionalLong.empty() : OptionalLong.of(Math.max(0, nowMs - session.lastHeartbeatMs()));
    }
}
