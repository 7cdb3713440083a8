package io.wharf.client;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
     * Connects the channel to {@code endpoint} (if it is not connected yet) and waits until it is
     * ready to carry calls.
     *
     * @throws ClientException REQUEST_TIMED_OUT when it is not ready within {@code timeout} (or the
     *     wait is interrupted), UNKNOWN_SERVER_ERROR when the channel was shut down
     */
    public void awaitConnected(Endpoint endpoint, Duration timeout) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        watchUntilReady(channel(endpoint), ready);
        try {
            ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "no connection to " + endpoint + " within "
                    + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while connecting to " + endpoint, e);
        } catch (ExecutionException e) {
            throw new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "connecting to " + endpoint + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        }
    }

    /** Completes {@code ready} once {@code channel} is READY; asks it to connect while it is idle. */
    private static void watchUntilReady(ManagedChannel channel, CompletableFuture<Void> ready) {
        ConnectivityState state = channel.getState(true);
        if (state == ConnectivityState.READY) {
            ready.complete(null);
        } else if (state == ConnectivityState.SHUTDOWN) {
            ready.completeExceptionally(new IllegalStateException("the channel is shut down"));
        } else {
            channel.notifyWhenStateChanged(state, () -> watchUntilReady(channel, ready));
        }
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
