package io.wharf.broker;

import io.wharf.proto.common.ErrorCode;
import java.util.OptionalLong;

/**
 * The broker's registration and heartbeat state machine: decides what to send to the controllers
 * and when, from the answers it is fed. Pure: no I/O, no threads, time is passed in (monotonic
 * milliseconds). Single-threaded; owned by {@link BrokerLifecycleDriver}.
 *
 * <p>Transitions:
 * <pre>
 *   REGISTERING --registered(epoch, fenced)--> FENCED or ACTIVE (as the controllers answered)
 *   FENCED --heartbeat(fenced=false)--> ACTIVE
 *   ACTIVE --heartbeat(fenced=true)--> FENCED
 *   FENCED, ACTIVE --STALE_BROKER_EPOCH / UNKNOWN_BROKER--> REGISTERING
 *   REGISTERING --DUPLICATE_BROKER_ID--> STOPPED (another live process holds the broker id)
 *   any --beginShutdown--> SHUTTING_DOWN --shutdownFinished--> STOPPED
 * </pre>
 * At most one request is outstanding: after {@link #poll} hands out a request it answers
 * {@link Idle} until that request's outcome is reported.
 *
 * <p>A broker registers while it is still starting, so that the round trips to the controllers
 * overlap with its own start (Kafka's brokers do the same). Until {@link #onReadyToServe} its
 * heartbeats ask to stay fenced ({@link #readyToServe()} is false), so no leadership reaches a
 * broker whose endpoint does not answer yet.
 */
public final class BrokerLifecycle {

    /** Where the broker stands with the controllers. */
    public enum State { REGISTERING, FENCED, ACTIVE, SHUTTING_DOWN, STOPPED }

    /** What the driver should do next. */
    public sealed interface Action permits Register, Heartbeat, Wait, Idle {}

    /** Send RegisterBroker now. */
    public record Register() implements Action {}

    /** Send BrokerHeartbeat for {@code brokerEpoch} now. */
    public record Heartbeat(long brokerEpoch) implements Action {}

    /** Nothing is due for {@code delayMs}; poll again then. */
    public record Wait(long delayMs) implements Action {}

    /** Nothing to do until an outstanding request is answered, or ever (after shutdown began). */
    public record Idle() implements Action {}

    private final long heartbeatIntervalMs;
    private final long retryBackoffMs;

    private State state = State.REGISTERING;
    private long brokerEpoch = -1;
    private long nextDueMs = Long.MIN_VALUE;
    private long requestSentMs;
    private boolean requestOutstanding;
    private boolean heartbeatAgainOnAnswer;
    private boolean readyToServe;
    private long metadataOffset = -1;

    public BrokerLifecycle(long heartbeatIntervalMs, long retryBackoffMs) {
        if (heartbeatIntervalMs <= 0 || retryBackoffMs <= 0) {
            throw new IllegalArgumentException("heartbeat interval and retry backoff must be positive");
        }
        this.heartbeatIntervalMs = heartbeatIntervalMs;
        this.retryBackoffMs = retryBackoffMs;
    }

    public State state() {
        return state;
    }

    /** The epoch of the current registration, or -1 while (re)registering. */
    public long brokerEpoch() {
        return brokerEpoch;
    }

    /** Whether the broker serves clients; until then its heartbeats ask to stay fenced. */
    public boolean readyToServe() {
        return readyToServe;
    }

    /** Decides the next action at {@code nowMs}; a returned request counts as sent. */
    public Action poll(long nowMs) {
        if (requestOutstanding || state == State.SHUTTING_DOWN || state == State.STOPPED) {
            return new Idle();
        }
        if (nowMs < nextDueMs) {
            return new Wait(nextDueMs - nowMs);
        }
        requestOutstanding = true;
        heartbeatAgainOnAnswer = false;
        requestSentMs = nowMs;
        return state == State.REGISTERING ? new Register() : new Heartbeat(brokerEpoch);
    }

    /**
     * The controllers accepted the registration: {@code epoch} is a new one, or the one they
     * already hold for this process when it registered before (a retry, or after a heartbeat was
     * refused), in which state {@code fenced} says. Either way it is the epoch to use from now on;
     * heartbeat at once, so the active controller confirms the state.
     */
    public void onRegistered(long epoch, boolean fenced, long nowMs) {
        if (!answered()) {
            return;
        }
        state = fenced ? State.FENCED : State.ACTIVE;
        brokerEpoch = epoch;
        nextDueMs = nowMs;
    }

    /** Registration was refused or no controller answered; try again after the backoff. */
    public void onRegistrationFailed(long nowMs) {
        if (!answered()) {
            return;
        }
        nextDueMs = nowMs + retryBackoffMs;
    }

    /**
     * The controllers refused the registration for good: another live process holds this broker
     * id (DUPLICATE_BROKER_ID). Nothing is sent any more; the broker stops.
     */
    public void onDuplicateBrokerId() {
        if (!answered()) {
            return;
        }
        state = State.STOPPED;
    }

    /** The active controller answered a heartbeat without error. */
    public void onHeartbeatAnswered(boolean fenced, long nowMs) {
        if (!answered()) {
            return;
        }
        state = fenced ? State.FENCED : State.ACTIVE;
        nextDueMs = fenced && heartbeatAgainOnAnswer ? nowMs : Math.max(nowMs, requestSentMs + heartbeatIntervalMs);
    }

    /**
     * The heartbeat came back with an error. A stale or unknown epoch means this incarnation is
     * gone: register again at once. Anything else (no leader right now, timeouts) is retried
     * after the backoff, keeping the current state.
     */
    public void onHeartbeatRejected(ErrorCode code, long nowMs) {
        if (!answered()) {
            return;
        }
        if (code == ErrorCode.STALE_BROKER_EPOCH || code == ErrorCode.UNKNOWN_BROKER) {
            state = State.REGISTERING;
            brokerEpoch = -1;
            nextDueMs = nowMs;
        } else {
            nextDueMs = nowMs + retryBackoffMs;
        }
    }

    /** No controller answered the heartbeat; retry after the backoff. */
    public void onHeartbeatFailed(long nowMs) {
        if (!answered()) {
            return;
        }
        nextDueMs = nowMs + retryBackoffMs;
    }

    /**
     * The broker's metadata reached {@code offset}. While fenced and ready to serve, if that covers
     * its own registration, heartbeat now instead of at the next interval, so the controller can
     * unfence it without waiting.
     */
    public void onMetadataAdvanced(long offset, long nowMs) {
        metadataOffset = Math.max(metadataOffset, offset);
        heartbeatNowIfUnfenceable(nowMs);
    }

    /**
     * The broker now serves clients: from now on its heartbeats no longer ask to stay fenced, and
     * one goes out now if its metadata already covers its registration.
     */
    public void onReadyToServe(long nowMs) {
        readyToServe = true;
        heartbeatNowIfUnfenceable(nowMs);
    }

    private void heartbeatNowIfUnfenceable(long nowMs) {
        if (!readyToServe || state != State.FENCED || metadataOffset < brokerEpoch) {
            return;
        }
        if (requestOutstanding) {
            // The heartbeat in flight may carry an older offset or still ask to stay fenced; send
            // another as soon as it returns.
            heartbeatAgainOnAnswer = true;
        } else {
            nextDueMs = Math.min(nextDueMs, nowMs);
        }
    }

    /**
     * Stops registering and heartbeating (a heartbeat after a controlled shutdown would get the
     * broker unfenced again).
     *
     * @return the epoch to name in ControlledShutdown, or empty when the broker holds no
     *     registration and so has nothing to hand over
     */
    public OptionalLong beginShutdown() {
        if (state == State.SHUTTING_DOWN || state == State.STOPPED) {
            return OptionalLong.empty();
        }
        boolean registered = state == State.FENCED || state == State.ACTIVE;
        state = State.SHUTTING_DOWN;
        requestOutstanding = false;
        return registered ? OptionalLong.of(brokerEpoch) : OptionalLong.empty();
    }

    /** The controlled shutdown finished or was given up. */
    public void onShutdownFinished() {
        state = State.STOPPED;
    }

    /** Accepts an outcome only for the outstanding request, and only while running. */
    private boolean answered() {
        if (!requestOutstanding || state == State.SHUTTING_DOWN || state == State.STOPPED) {
            return false;
        }
        requestOutstanding = false;
        return true;
    }
}
