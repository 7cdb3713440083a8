package io.wharf.controller;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;

/**
 * Broker sessions as the active controller sees them: when each broker (at which epoch) last
 * heartbeated, and whose session has run out or ended because its process was seen gone. Soft
 * state, never replicated: a new active controller starts every registered broker on a fresh
 * session, which is not a heartbeat from the broker ({@link #lastHeartbeatMs}). Pure (time is passed in); not thread-safe,
 * owned by {@link LeaderDuties}.
 */
final class BrokerLiveness {

    /** A broker whose session ran out at the given epoch. */
    record ExpiredSession(int brokerId, long epoch) {
    }

    /**
     * @param lastHeartbeatMs     the last heartbeat, or when the session was granted
     * @param lastFromBrokerMs    the last heartbeat the broker itself sent at this epoch, -1 when none yet
     * @param gone                its process was seen gone; a heartbeat at this epoch revives it
     */
    private record Session(long epoch, long lastHeartbeatMs, long lastFromBrokerMs, boolean gone) {
    }

    private final long sessionTimeoutMs;
    private final Map<Integer, Session> sessions = new TreeMap<>();
    /** When the last session check ran; -1 before the first. */
    private long lastCheckMs = -1;

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
            sessions.put(brokerId, new Session(epoch, nowMs, nowMs, false));
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
            sessions.put(brokerId, new Session(epoch, nowMs, -1, false));
        }
    }

    /** Ends the session of {@code brokerId} at {@code epoch}: its process was seen gone. */
    void markGone(int brokerId, long epoch) {
        Session current = sessions.get(brokerId);
        if (current != null && current.epoch() == epoch) {
            sessions.put(brokerId, new Session(epoch, current.lastHeartbeatMs(), current.lastFromBrokerMs(), true));
        }
    }

    /**
     * True when the session of {@code brokerId} at {@code epoch} is over: there is none at that
     * epoch (a newer registration replaced it), it ran out, or its process was seen gone.
     */
    boolean ended(int brokerId, long epoch, long nowMs) {
        Session session = sessions.get(brokerId);
        return session == null || session.epoch() != epoch || session.gone()
                || nowMs - session.lastHeartbeatMs() > sessionTimeoutMs;
    }

    /** When {@code brokerId} itself last heartbeated at {@code epoch}; empty when it has not to this controller. */
    OptionalLong lastHeartbeatMs(int brokerId, long epoch) {
        Session session = sessions.get(brokerId);
        return session == null || session.epoch() != epoch || session.lastFromBrokerMs() < 0
                ? OptionalLong.empty() : OptionalLong.of(session.lastFromBrokerMs());
    }

    /**
     * Called by each session check before {@link #expired}: when this controller did not check for
     * more than half a session (its process was paused — SIGSTOP, a long GC, a frozen VM — or
     * starved), the brokers' silence over that time is its own, not theirs: every session restarts
     * now, as for a new active controller, instead of all of them expiring at once. A broker that
     * really died meanwhile is fenced one session later (or at once by the crash detector).
     *
     * @return true when the sessions were restarted
     */
    boolean restartIfStalled(long nowMs) {
        boolean stalled = lastCheckMs >= 0 && nowMs - lastCheckMs > sessionTimeoutMs / 2;
        lastCheckMs = nowMs;
        if (stalled) {
            sessions.replaceAll((id, session) -> new Session(session.epoch(), nowMs, session.lastFromBrokerMs(),
                    session.gone()));
        }
        return stalled;
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
