package io.wharf.broker.replica;

import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A leader's fetch sessions, at most one per follower broker and at most {@code capacity} in
 * all: the memory that lets followers send incremental ReplicaFetch requests. A full request
 * replaces its follower's session; when the cache is full, a new one takes the place of the
 * least recently used only if that has been idle for {@code minIdleBeforeEviction}, so busy
 * followers keep theirs and the newcomer goes without (it keeps sending full requests, which
 * always work). Time is passed in. Thread-safe.
 */
final class FetchSessionCache {

    private final int capacity;
    private final long minIdleBeforeEvictionMs;
    private final Map<Integer, FetchSession> byId = new HashMap<>();        // guarded by this
    private final Map<Integer, FetchSession> byReplica = new HashMap<>();   // guarded by this
    private int lastId;                                                      // guarded by this

    FetchSessionCache(int capacity, Duration minIdleBeforeEviction) {
        if (capacity < 0) {
            throw new IllegalArgumentException("a fetch session cache needs a capacity >= 0, not " + capacity);
        }
        this.capacity = capacity;
        this.minIdleBeforeEvictionMs = minIdleBeforeEviction.toMillis();
    }

    /**
     * Opens a new, empty session for {@code replicaId}'s full request, closing its previous one.
     *
     * @return empty when the cache is full of sessions too recently used to evict
     */
    synchronized Optional<FetchSession> open(int replicaId, long nowMs) {
        close(replicaId);
        if (byId.size() >= capacity && !evictIdlest(nowMs)) {
            return Optional.empty();
        }
        FetchSession session = new FetchSession(nextId(), replicaId, nowMs);
        byId.put(session.id(), session);
        byReplica.put(replicaId, session);
        return Optional.of(session);
    }

    /**
     * The session {@code replicaId}'s incremental request numbered {@code epoch} continues.
     *
     * @throws FetchSessionException FETCH_SESSION_ID_NOT_FOUND when there is no such session of
     *     this follower, INVALID_FETCH_SESSION_EPOCH when the epoch is not the next one
     */
    synchronized FetchSession resume(int replicaId, int sessionId, int epoch, long nowMs) {
        FetchSession session = byId.get(sessionId);
        if (session == null || session.replicaId() != replicaId) {
            throw new FetchSessionException(ErrorCode.FETCH_SESSION_ID_NOT_FOUND, "this leader has no fetch session "
                    + sessionId + " of broker " + replicaId + "; send a full request");
        }
        session.advance(epoch, nowMs);
        return session;
    }

    /** Forgets {@code replicaId}'s session, if it has one. */
    synchronized void close(int replicaId) {
        FetchSession previous = byReplica.remove(replicaId);
        if (previous != null) {
            byId.remove(previous.id());
        }
    }

    /** How many sessions the cache holds. */
    synchronized int size() {
        return byId.size();
    }

    private boolean evictIdlest(long nowMs) {
        FetchSession idlest = null;
        for (FetchSession session : byId.values()) {
            if (idlest == null || session.lastUsedMs() < idlest.lastUsedMs()) {
                idlest = session;
            }
        }
        if (idlest == null || nowMs - idlest.lastUsedMs() < minIdleBeforeEvictionMs) {
            return false;
        }
        close(idlest.replicaId());
        return true;
    }

    /** Positive and unused: 0 means "no session" on the wire. */
    private int nextId() {
        do {
            lastId = lastId == Integer.MAX_VALUE ? 1 : lastId + 1;
        } while (byId.containsKey(lastId));
        return lastId;
    }
}
