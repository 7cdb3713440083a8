package io.wharf.client;

import io.grpc.ManagedChannel;
import io.grpc.okhttp.OkHttpChannelBuilder;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Threads of its own for gRPC channels on grpc-okhttp's transport (blocking sockets, one reader
 * thread per connection), stopped by {@link #close()}. For a short-lived process such as the CLI:
 * that transport starts in about a third of the time Netty's does (no event loop, buffer pools or
 * native-transport probing), which is most of a one-call process's life
 * (docs/decisions/cli-okhttp-transport.md). A process that moves much data keeps Netty
 * ({@link NettyTransport}). Thread-safe.
 */
public final class OkHttpTransport implements ClientTransport {

    private static final long CLOSE_LIMIT_MS = 2_000;

    private final ExecutorService readers;
    private final ScheduledExecutorService timers;

    private OkHttpTransport(ThreadFactory threads) {
        // Threads start on demand: a call that opens no channel (help, a usage error) starts none.
        this.readers = Executors.newCachedThreadPool(threads);
        this.timers = Executors.newSingleThreadScheduledExecutor(threads);
    }

    /** A transport whose daemon threads are named {@code <threadPrefix>-<n>}. */
    public static OkHttpTransport create(String threadPrefix) {
        return new OkHttpTransport(DaemonThreads.named(threadPrefix));
    }

    @Override
    public Function<Endpoint, ManagedChannel> plaintextChannels() {
        return endpoint -> {
            if (readers.isShutdown()) {
                throw new IllegalStateException("the client transport is closed");
            }
            return OkHttpChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                    .transportExecutor(readers).scheduledExecutorService(timers)
                    .usePlaintext().maxInboundMessageSize(Integer.MAX_VALUE).build();
        };
    }

    /**
     * Stops the threads and waits, up to two seconds, until their pools have terminated (each
     * thread has run its last task; it may take a moment more to return from its run).
     */
    @Override
    public void close() {
        readers.shutdownNow();
        timers.shutdownNow();
        try {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(CLOSE_LIMIT_MS);
            readers.awaitTermination(CLOSE_LIMIT_MS, TimeUnit.MILLISECONDS);
            timers.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
