package io.wharf.controller;

import io.grpc.ConnectivityState;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import java.util.Map;
import java.util.TreeMap;

/**
 * The decisions of {@link BrokerCrashDetector}, without any I/O: which brokers to watch, what a
 * change of a watched connection calls for, and whether a broker seen gone is fenced. Pure and
 * stateless.
 */
final class BrokerCrashRules {

    /** One broker registration to watch: the incarnation at {@code epoch}, serving at host:port. */
    record Target(int brokerId, long epoch, String host, int port) {
    }

    /** How a plain TCP connect to a watched broker's endpoint went. */
    enum Probe {
        /** The connect was refused: nothing listens on that port, so the process is gone. */
        REFUSED,
        /** Something accepted the connection: a live process (possibly a restarted one). */
        ACCEPTED,
        /** No answer (timeout), or the host is unreachable or unknown: nothing is known. */
        NO_ANSWER
    }

    /**
     * What one connectivity change calls for.
     *
     * @param armed     the connection was lost since it was last READY; the next failure is probed
     * @param probe     probe the endpoint now
     * @param reconnect ask the channel to connect again (it went IDLE)
     */
    record Step(boolean armed, boolean probe, boolean reconnect) {
    }

    private BrokerCrashRules() {
    }

    /** The registrations worth watching: every registered broker that is not fenced, by id. */
    static Map<Integer, Target> targets(MetadataImage image) {
        Map<Integer, Target> targets = new TreeMap<>();
        for (BrokerRegistration registration : image.brokers().values()) {
            if (!registration.fenced()) {
                targets.put(registration.id(), new Target(registration.id(), registration.epoch(),
                        registration.host(), registration.port()));
            }
        }
        return targets;
    }

    /**
     * The channel to a watched broker went from {@code previous} to {@code now}. Only a connection
     * that was READY and dropped arms the detector (a broker never reached says nothing: it may
     * advertise an address this controller cannot reach); a refusal is then looked for at once
     * (IDLE, right after the drop) and on every failed reconnect (TRANSIENT_FAILURE), until the
     * connection is READY again.
     */
    static Step onStateChange(boolean armed, ConnectivityState previous, ConnectivityState now) {
        if (now == ConnectivityState.READY) {
            return new Step(false, false, false);
        }
        boolean nowArmed = armed || previous == ConnectivityState.READY;
        return switch (now) {
            case IDLE -> new Step(nowArmed, nowArmed, true);
            case TRANSIENT_FAILURE -> new Step(nowArmed, nowArmed, false);
            default -> new Step(nowArmed, false, false);
        };
    }

    /**
     * Whether a broker seen gone at {@code epoch} is fenced now: only while {@code image} still
     * holds that very registration unfenced. A broker already fenced (by its session timeout or a
     * controlled shutdown), unregistered, or registered again since (a new epoch: a new process,
     * possibly on the same port) is left alone.
     */
    static boolean shouldFence(MetadataImage image, int brokerId, long epoch) {
        BrokerRegistration registration = image.brokers().get(brokerId);
        return registration != null && !registration.fenced() && registration.epoch() == epoch;
    }
}
