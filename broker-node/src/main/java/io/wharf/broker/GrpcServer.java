package io.wharf.broker;

import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.wharf.broker.replica.ReplicationGrpcService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's gRPC server: {@code BrokerService} (each call told its client's address,
 * {@link ClientAddress}) and {@code ReplicationService} on one port, the data calls run on the
 * transport threads ({@link CallsOnTransportThread}), the others on a pool of its own
 * ({@code broker-N-calls}, threads made as calls need them, as gRPC's default executor). With
 * {@code num.network.threads} set it has Netty event loops of its own, else it shares gRPC's.
 * Thread-safe; owns its event loops and its pool until {@link #close()}.
 */
final class GrpcServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(GrpcServer.class);

    private final int brokerId;
    private final Server server;
    private final EventLoopGroup loops;  // null: gRPC's shared event loops
    private final ExecutorService calls;

    private GrpcServer(int brokerId, Server server, EventLoopGroup loops, ExecutorService calls) {
        this.brokerId = brokerId;
        this.server = server;
        this.loops = loops;
        this.calls = calls;
    }

    /**
     * Binds {@code host:port} (0: an ephemeral port) and serves both services from there.
     *
     * @param networkThreads  the event loop threads of its own; 0 shares gRPC's
     * @param maxInboundBytes the largest request message accepted
     * @throws IOException when the port cannot be bound; nothing is left running then
     */
    static GrpcServer start(int brokerId, String host, int port, int networkThreads, int maxInboundBytes,
                            BrokerGrpcService brokerService, ReplicationGrpcService replicationService)
            throws IOException {
        NettyServerBuilder builder = NettyServerBuilder.forAddress(new InetSocketAddress(host, port));
        EventLoopGroup loops = null;
        if (networkThreads > 0) {
            loops = NettyLoops.group(networkThreads, ServiceThreads.daemon("broker-" + brokerId + "-network"));
            builder.bossEventLoopGroup(loops).workerEventLoopGroup(loops).channelType(NettyLoops.serverChannelType());
        }
        ExecutorService calls = Executors.newCachedThreadPool(ServiceThreads.daemon("broker-" + brokerId + "-calls"));
        try {
            Server server = builder
                    .maxInboundMessageSize(maxInboundBytes)
                    .directExecutor()
                    .callExecutor(new CallsOnTransportThread(calls))
                    .addService(ServerInterceptors.intercept(brokerService, new ClientAddress()))
                    .addService(replicationService)
                    .build()
                    .start();
            return new GrpcServer(brokerId, server, loops, calls);
        } catch (IOException | RuntimeException e) {
            calls.shutdownNow();
            if (loops != null) {
                loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            }
            throw e;
        }
    }

    /** The bound port. */
    int port() {
        return server.getPort();
    }

    /**
     * Stops taking calls and gives those under way a second before cutting them off, then ends its
     * event loops.
     */
    @Override
    public void close() {
        server.shutdown();
        boolean terminated = false;
        try {
            terminated = server.awaitTermination(1, TimeUnit.SECONDS);
            if (!terminated) {
                log.warn("Broker {} BrokerService server did not stop in time", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!terminated) {
            server.shutdownNow();
        }
        calls.shutdownNow();
        if (loops != null) {
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }
}
