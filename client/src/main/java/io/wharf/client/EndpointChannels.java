package io.wharf.client;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One gRPC channel per endpoint (broker or controller), created on first use and closed together.
 * Thread-safe.
 */
public final class EndpointChannels implements AutoCloseable {

    private final Function<Endpoint, ManagedChannel> factory;
    private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();

    public EndpointChannels(Function<Endpoint, ManagedChannel> factory) {
        this.factory = factory;
    }

    /** Plaintext channels over the network (the default transport). */
    public static Function<Endpoint, ManagedChannel> plaintext() {
        return endpoint -> ManagedChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext()
                .maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    public ManagedChannel channel(Endpoint endpoint) {
        return channels.computeIfAbsent(endpoint, factory);
    }

    /**
     * Lets the channel of a node that was unreachable reconnect at once on its next use instead of
     * waiting out gRPC's exponential reconnect backoff (which grows to minutes), so a restarted
     * node is found within one retry.
     */
    public void reconnectPromptly(Endpoint endpoint) {
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
