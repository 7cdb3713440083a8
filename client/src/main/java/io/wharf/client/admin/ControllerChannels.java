package io.wharf.client.admin;

import io.grpc.ManagedChannel;
import io.wharf.client.Endpoint;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One gRPC channel per known controller, the order in which to try them, and which one answered
 * last. Controllers named in a redirect join the known ones. Thread-safe.
 */
final class ControllerChannels implements AutoCloseable {

    private final Function<Endpoint, ManagedChannel> channelFactory;
    private final List<Endpoint> known;
    private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();
    private final AtomicReference<Endpoint> preferred;

    ControllerChannels(List<Endpoint> bootstrap, Function<Endpoint, ManagedChannel> channelFactory) {
        this.channelFactory = channelFactory;
        this.known = new CopyOnWriteArrayList<>(bootstrap);
        this.preferred = new AtomicReference<>(bootstrap.get(0));
    }

    /** Where the next call starts: the controller that answered last, else the first bootstrap one. */
    Endpoint preferred() {
        return preferred.get();
    }

    void markPreferred(Endpoint endpoint) {
        preferred.set(endpoint);
    }

    /** The controller to try after {@code endpoint} failed, cycling through every known one. */
    Endpoint after(Endpoint endpoint) {
        int index = known.indexOf(endpoint);
        return known.get((index + 1) % known.size());
    }

    /** Adds a controller learned from a redirect, so later calls can reach it too. */
    Endpoint learn(Endpoint endpoint) {
        if (!known.contains(endpoint)) {
            known.add(endpoint);
        }
        return endpoint;
    }

    ManagedChannel channel(Endpoint endpoint) {
        return channels.computeIfAbsent(endpoint, channelFactory);
    }

    /**
     * Lets a channel whose controller was unreachable reconnect at once on its next use instead of
     * waiting out gRPC's exponential reconnect backoff (which grows to minutes); a restarted
     * controller is then found within one retry.
     */
    void reconnectPromptly(Endpoint endpoint) {
        ManagedChannel channel = channels.get(endpoint);
        if (channel != null) {
            channel.resetConnectBackoff();
        }
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdown);
        for (ManagedChannel channel : channels.values()) {
            try {
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    channel.shutdownNow();
                }
            } catch (InterruptedException e) {
                channel.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}
