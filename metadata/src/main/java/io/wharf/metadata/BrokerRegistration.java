package io.wharf.metadata;

import java.util.Objects;

/**
 * One broker as the replicated metadata knows it: its latest registration and whether it is fenced.
 * Immutable.
 *
 * @param id     the broker id (>= 0)
 * @param epoch  the metadata offset of the broker's latest registration; a restart yields a higher one
 * @param host   the host of the broker's BrokerService endpoint
 * @param port   the port of the broker's BrokerService endpoint
 * @param rack   the rack the broker runs in, "" when unknown
 * @param fenced true while the broker may not lead or join ISRs (just registered, session expired,
 *               or shut down)
 * @param incarnationId the id the registering broker process sent (random per process start), ""
 *               when it sent none; a registration retried by the same process keeps this epoch
 * @param shutDown true once this registration completed a controlled shutdown: it is fenced and
 *               is not unfenced again; only a new registration (a new epoch) serves again
 */
public record BrokerRegistration(int id, long epoch, String host, int port, String rack, boolean fenced,
                                 String incarnationId, boolean shutDown) {

    public BrokerRegistration {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(rack, "rack");
        Objects.requireNonNull(incarnationId, "incarnationId");
        if (shutDown && !fenced) {
            throw new IllegalArgumentException("broker " + id + " cannot be shut down and active");
        }
    }

    /** A fresh registration: fenced until it has caught up, not shut down. */
    public static BrokerRegistration registered(int id, long epoch, String host, int port, String rack,
                                                String incarnationId) {
        return new BrokerRegistration(id, epoch, host, port, rack, true, incarnationId, false);
    }

    /** This registration with the given fenced state. */
    public BrokerRegistration withFenced(boolean newFenced) {
        return new BrokerRegistration(id, epoch, host, port, rack, newFenced, incarnationId, shutDown);
    }

    /** This registration fenced for good by a controlled shutdown. */
    public BrokerRegistration withShutDown() {
        return new BrokerRegistration(id, epoch, host, port, rack, true, incarnationId, true);
    }

    /** "host:port" of the broker's BrokerService. */
    public String endpoint() {
        return host + ":" + port;
    }
}
