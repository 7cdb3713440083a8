package io.wharf.client.metadata;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.wharf.client.Endpoint;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** One gRPC channel per broker endpoint, created on first use and closed together. Thread-safe. */
public final class BrokerChannels implements AutoCloseable {

    private final Function<Endpoint, ManagedChannel> factory;
    private final Map<Endpoint, ManagedChannel> channels = new ConcurrentHashMap<>();

    public BrokerChannels(Function<Endpoint, ManagedChannel> factory) {
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
     * Lets the channel of a broker that was unreachable reconnect at once on its next use instead
     * of waiting out gRPC's exponential reconnect backoff, so a restarted broker is found promptly.
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
