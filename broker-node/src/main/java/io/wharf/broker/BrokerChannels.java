package io.wharf.broker;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One gRPC channel per other broker's BrokerService endpoint ({@code host:port}), made on first
 * use and kept. Thread-safe; the channels close with it.
 */
public final class BrokerChannels implements AutoCloseable {

    private final int maxInboundBytes;
    private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

    /** @param maxInboundBytes the largest response message a channel accepts */
    public BrokerChannels(int maxInboundBytes) {
        this.maxInboundBytes = maxInboundBytes;
    }

    /** The channel to {@code endpoint} ({@code host:port}, as a broker registers it). */
    public ManagedChannel channel(String endpoint) {
        return channels.computeIfAbsent(endpoint, e -> {
            HostPort hostPort = HostPort.parse(e);
            return NettyChannelBuilder.forAddress(hostPort.host(), hostPort.port()).usePlaintext()
                    .maxInboundMessageSize(maxInboundBytes).build();
        });
    }

    @Override
    public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
        channels.clear();
    }
}
