package io.wharf.broker;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * Makes the caller's address available to a call's handler ({@link #current()}): the group
 * coordinator shows where each member heartbeats from, as Kafka's describe does. Stateless.
 */
final class ClientAddress implements ServerInterceptor {

    private static final Context.Key<String> ADDRESS = Context.key("wharf-client-address");

    @Override
    public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call, Metadata headers,
                                                                 ServerCallHandler<ReqT, RespT> next) {
        SocketAddress remote = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        String address = remote instanceof InetSocketAddress inet
                ? inet.getAddress().getHostAddress() + ":" + inet.getPort()
                : String.valueOf(remote);
        return Contexts.interceptCall(Context.current().withValue(ADDRESS, address), call, headers, next);
    }

    /** The address of the caller of the call being handled on this thread; "" outside a call. */
    static String current() {
        String address = ADDRESS.get();
        return address == null ? "" : address;
    }
}
