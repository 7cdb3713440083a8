package io.wharf.client;

import io.grpc.ManagedChannel;
import java.util.function.Function;

/**
 * Network threads owned by one process for the gRPC channels of its clients, so that it can stop
 * them before exiting instead of leaving them to gRPC's process-wide defaults. Close every client
 * using {@link #plaintextChannels()} before closing the transport.
 */
public interface ClientTransport extends AutoCloseable {

    /** Plaintext channels on this transport's threads, configured as {@link EndpointChannels#plaintext()}'s. */
    Function<Endpoint, ManagedChannel> plaintextChannels();

    /** Stops the transport's threads, waiting for them a bounded time; later channels are refused. */
    @Override
    void close();
}
