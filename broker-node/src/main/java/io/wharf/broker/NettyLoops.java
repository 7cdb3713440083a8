package io.wharf.broker;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.util.concurrent.ThreadFactory;

/**
 * Event loops a broker part owns for its gRPC server or channel, on epoll where the platform has
 * it (gRPC's Netty otherwise falls back to NIO), with the channel types that go with them.
 * Stateless.
 */
public final class NettyLoops {

    private static final boolean EPOLL = Epoll.isAvailable();

    private NettyLoops() {
    }

    /** A group of {@code threads} loops whose threads {@code threadFactory} makes; its owner shuts it down. */
    public static EventLoopGroup group(int threads, ThreadFactory threadFactory) {
        return EPOLL ? new EpollEventLoopGroup(threads, threadFactory) : new NioEventLoopGroup(threads, threadFactory);
    }

    /** The server channel type for a {@link #group}. */
    public static Class<? extends ServerChannel> serverChannelType() {
        return EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /** The client channel type for a {@link #group}. */
    public static Class<? extends Channel> clientChannelType() {
        return EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }
}
