package io.wharf.controller;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.wharf.proto.controller.ControllerServiceGrpc;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Lets a follower pass a call that needs the active controller's soft state (DescribeCluster's
 * heartbeat ages) on to the leader's ControllerService. A forwarded call carries a header, and a
 * controller never forwards a call that already was, so two controllers that briefly name each
 * other as leader cannot bounce a call forever. Thread-safe; owns one channel per peer, opened on
 * first use and shut down by {@link #close}.
 */
final class LeaderForwarding implements ServerInterceptor, AutoCloseable {

    private static final Metadata.Key<String> FORWARDED_BY =
            Metadata.Key.of("wharf-forwarded-by", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> FORWARDED = Context.key("wharf-forwarded");

    private final int selfId;
    private final Map<Integer, ManagedChannel> channels = new HashMap<>();
    private boolean closed;

    LeaderForwarding(int selfId) {
        this.selfId = selfId;
    }

    /** True when the call being handled on this thread was forwarded by another controller. */
    static boolean isForwardedCall() {
        return Boolean.TRUE.equals(FORWARDED.get());
    }

    /** A stub for {@code leader}'s ControllerService whose calls are marked as forwarded. */
    synchronized ControllerServiceGrpc.ControllerServiceStub stub(QuorumVoter leader, long deadlineMs) {
        if (closed) {
            throw new IllegalStateException("controller " + selfId + " is stopping");
        }
        ManagedChannel channel = channels.computeIfAbsent(leader.id(),
                id -> NettyChannelBuilder.forAddress(leader.host(), leader.rpcPort()).usePlaintext().build());
        Metadata headers = new Metadata();
        headers.put(FORWARDED_BY, Integer.toString(selfId));
        return ControllerServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS);
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
            ServerCallHandler<Q, R> next) {
        if (headers.containsKey(FORWARDED_BY)) {
            return Contexts.interceptCall(Context.current().withValue(FORWARDED, true), call, headers, next);
        }
        return next.startCall(call, headers);
    }

    @Override
    public void close() {
        Map<Integer, ManagedChannel> open;
        synchronized (this) {
            closed = true;
            open = new HashMap<>(channels);
            channels.clear();
        }
        for (ManagedChannel channel : open.values()) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : open.values()) {
            try {
                channel.awaitTermination(2, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
