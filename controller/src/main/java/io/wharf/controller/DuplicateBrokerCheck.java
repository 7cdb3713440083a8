package io.wharf.controller;

import io.wharf.metadata.BrokerRegistration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Decides, on the active controller, whether a broker process may register a broker id that
 * another process (another incarnation) holds. Kafka refuses such a registration while the
 * holder's session is alive; here a session that is alive only by the clock is not proof of a
 * live holder (a process killed a moment ago still has one), so the first refusal is retriable and
 * only a heartbeat from the holder after it makes the refusal final:
 * <ul>
 * <li>{@link Verdict#ADMIT}: nothing competes (no registration, the same or an unnamed incarnation,
 *     or the holder completed a controlled shutdown), or the holder's session is over — it timed
 *     out, or its process was seen gone ({@link BrokerLiveness#ended});
 * <li>{@link Verdict#DUPLICATE}: the holder heartbeated after this incarnation was first told to
 *     wait: two live processes have the same id, and the newcomer must stop;
 * <li>{@link Verdict#WAIT}: otherwise (BROKER_ID_IN_USE): the newcomer registers again after its
 *     backoff; a dead holder's session ends within the session timeout, a live one heartbeats.
 * </ul>
 * Pure (time is passed in); not thread-safe, owned by {@link LeaderDuties} under its lock. Its
 * memory of first refusals is soft state like the sessions: a new active controller starts it
 * empty, so a newcomer waits there again for the holder's next heartbeat or session end.
 */
final class DuplicateBrokerCheck {

    /** The answer to one registration attempt. */
    enum Verdict { ADMIT, WAIT, DUPLICATE }

    /** The first time incarnation {@code incarnationId} was told to wait for the holder at {@code heldEpoch}. */
    private record FirstRefusal(String incarnationId, long heldEpoch, long atMs) {
    }

    /** At most one per broker id: the newest newcomer's, so the map is bounded by the broker ids. */
    private final Map<Integer, FirstRefusal> firstRefusals = new HashMap<>();

    /**
     * True when a registration by {@code incarnationId} competes with {@code current}: both name an
     * incarnation, they differ, and the current one did not shut down. Registrations without an
     * incarnation id (tools, tests) never compete and keep replacing each other.
     */
    static boolean competes(Optional<BrokerRegistration> current, String incarnationId) {
        return current.isPresent() && !incarnationId.isEmpty() && !current.get().incarnationId().isEmpty()
                && !current.get().incarnationId().equals(incarnationId) && !current.get().shutDown();
    }

    /**
     * Judges a registration of {@code current}'s broker id by {@code incarnationId} at {@code nowMs}.
     *
     * @param sessionEnded          the holder's session is over ({@link BrokerLiveness#ended})
     * @param holderLastHeartbeatMs when the holder itself last heartbeated at its epoch, empty if it has not
     */
    Verdict judge(Optional<BrokerRegistration> current, String incarnationId, boolean sessionEnded,
                  OptionalLong holderLastHeartbeatMs, long nowMs) {
        if (!competes(current, incarnationId)) {
            return Verdict.ADMIT;
        }
        BrokerRegistration holder = current.get();
        if (sessionEnded) {
            firstRefusals.remove(holder.id());
            return Verdict.ADMIT;
        }
        FirstRefusal first = firstRefusals.get(holder.id());
        if (first == null || !first.incarnationId().equals(incarnationId) || first.heldEpoch() != holder.epoch()) {
            first = new FirstRefusal(incarnationId, holder.epoch(), nowMs);
            firstRefusals.put(holder.id(), first);
        }
        if (holderLastHeartbeatMs.isPresent() && holderLastHeartbeatMs.getAsLong() > first.atMs()) {
            return Verdict.DUPLICATE;
        }
        return Verdict.WAIT;
    }
}
