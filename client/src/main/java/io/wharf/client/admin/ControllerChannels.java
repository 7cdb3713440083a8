package io.wharf.client.admin;

import io.grpc.ManagedChannel;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * One gRPC channel per known controller, the order in which to try them, and which one answered
 * last. Controllers named in a redirect join the known ones. Thread-safe.
 */
final class ControllerChannels implements AutoCloseable {

    private final EndpointChannels channels;
    private final List<Endpoint> known;
    private final AtomicReference<Endpoint> preferred;

    ControllerChannels(List<Endpoint> bootstrap, Function<Endpoint, ManagedChannel> channelFactory) {
        this.channels = new EndpointChannels(channelFactory);
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
        return channels.channel(endpoint);
    }

    /** See {@link EndpointChannels#reconnectPromptly}: a restarted controller is found within one retry. */
    void reconnectPromptly(Endpoint endpoint) {
        channels.reconnectPromptly(endpoint);
    }

    @Override
    public void close() {
        channels.close();
    }
}
