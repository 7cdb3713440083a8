package io.wharf.client;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A Netty event loop of its own for the gRPC channels of one or more clients, stopped by
 * {@link #close()}: for a process that moves much data, such as {@code wharf bench}. Without one,
 * channels share gRPC's process-wide event loop, which gRPC stops only a second after its last
 * channel closes; a process then exits with those threads still waiting in the kernel, and the JVM
 * spends about 300 ms waiting for them at exit. Thread-safe.
 */
public final class NettyTransport implements ClientTransport {

    private static final long CLOSE_LIMIT_MS = 2_000;

    private final ThreadFactory threads;
    /** Made with the first channel: a call that opens none (help, a usage error) starts no Netty at all. */
    private EventLoopGroup eventLoop;
    private boolean closed;

    private NettyTransport(ThreadFactory threads) {
        this.threads = threads;
    }

    /**
     * A transport with Netty's default number of event-loop threads (two per core), each started
     * on first use and named {@code <threadPrefix>-<n>}; daemon threads, so a transport left open
     * does not keep the JVM alive.
     */
    public static NettyTransport create(String threadPrefix) {
        return new NettyTransport(DaemonThreads.named(threadPrefix));
    }

    @Override
    public Function<Endpoint, ManagedChannel> plaintextChannels() {
        return endpoint -> NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                .eventLoopGroup(eventLoop()).channelType(NioSocketChannel.class)
                .usePlaintext().maxInboundMessageSize(Integer.MAX_VALUE).build();
    }

    private synchronized EventLoopGroup eventLoop() {
        if (closed) {
            throw new IllegalStateException("the client transport is closed");
        }
        if (eventLoop == null) {
            eventLoop = new NioEventLoopGroup(0, threads);
        }
        return eventLoop;
    }

    /** Stops the threads at once (no quiet period) and waits for them, up to two seconds. */
    @Override
    public void close() {
        EventLoopGroup started;
        synchronized (this) {
            closed = true;
            started = eventLoop;
        }
        if (started != null) {
            started.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(CLOSE_LIMIT_MS);
        }
    }
}
