package io.wharf.broker;

import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.ControllerServiceGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's way to the controller quorum: one gRPC channel per controller endpoint, which
 * controller to try first, and the last known active controller. Thread-safe.
 *
 * <p>A call is tried on one controller at a time with a short deadline. A controller that is down
 * or times out is skipped in favour of the next one in the bootstrap list; a {@code NOT_CONTROLLER}
 * answer naming the leader sends the call there. Each call makes at most
 * {@code bootstrap size + 2} attempts, so a caller is never blocked for long.
 */
public final class ControllerChannels implements AutoCloseable {

    /** Opens a channel to one controller; tests substitute their own transport. */
    @FunctionalInterface
    public interface ChannelFactory {
        ManagedChannel open(HostPort endpoint);
    }

    /** Which controller a call must reach. */
    public enum Target {
        /** Any controller answers (registration, controlled shutdown, metadata). */
        ANY,
        /** Only the active controller answers (heartbeats); start from the last known leader. */
        LEADER
    }

    /** A blocking RPC on a stub that already carries the attempt's deadline. */
    @FunctionalInterface
    public interface Rpc<R> {
        R call(ControllerServiceGrpc.ControllerServiceBlockingStub stub);
    }

    /** Snapshots carry the whole metadata image, far beyond gRPC's 4 MiB default. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = 256 * 1024 * 1024;

    private static final Logger log = LoggerFactory.getLogger(ControllerChannels.class);

    private final List<HostPort> bootstrap;
    private final ChannelFactory factory;
    private final Duration requestTimeout;
    private final Map<HostPort, ManagedChannel> channels = new ConcurrentHashMap<>();
    private int cursor;            // guarded by this: index into bootstrap of the controller tried first
    private HostPort leaderHint;   // guarded by this: last controller known to be active, or null
    private boolean closed;        // guarded by this

    public ControllerChannels(List<HostPort> bootstrap, ChannelFactory factory, Duration requestTimeout) {
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("controller bootstrap list is empty");
        }
        this.bootstrap = List.copyOf(bootstrap);
        this.factory = factory;
        this.requestTimeout = requestTimeout;
    }

    /** The production transport: plaintext gRPC over Netty. */
    public static ChannelFactory nettyChannels() {
        return endpoint -> NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                .usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES)
                .build();
    }

    /** The default deadline of one attempt. */
    public Duration requestTimeout() {
        return requestTimeout;
    }

    /** The longest a call with the configured deadline can take: every one of its attempts timing out. */
    public Duration longestCall() {
        return requestTimeout.multipliedBy(maxAttempts());
    }

    /** The controller to try first for a call any controller can answer. */
    public synchronized HostPort current() {
        return bootstrap.get(cursor);
    }

    /** The controller last known to be active, or null. */
    public synchronized HostPort leaderHint() {
        return leaderHint;
    }

    /** Records that {@code endpoint} failed, so the next call starts with another controller. */
    public synchronized void skip(HostPort endpoint) {
        if (endpoint.equals(leaderHint)) {
            leaderHint = null;
        }
        if (bootstrap.get(cursor).equals(endpoint)) {
            cursor = (cursor + 1) % bootstrap.size();
        }
    }

    /** An asynchronous stub for {@code endpoint} (used for the long-lived metadata stream). */
    public ControllerServiceGrpc.ControllerServiceStub asyncStub(HostPort endpoint) {
        return ControllerServiceGrpc.newStub(channel(endpoint));
    }

    /** {@link #call(Target, Rpc, Function, Duration)} with the configured per-attempt deadline. */
    public <R> R call(Target target, Rpc<R> rpc, Function<R, Error> errorOf) throws ControllerUnavailableException {
        return call(target, rpc, errorOf, requestTimeout);
    }

    /**
     * Sends one request, moving between controllers as described in the class comment.
     *
     * @param errorOf extracts the response's error, to recognise redirects
     * @param attemptTimeout deadline of each attempt
     * @return the first response that is not a redirect; a {@code CONTROLLER_UNAVAILABLE} answer
     *     is returned too (after marking that controller skipped), for the caller to retry later
     * @throws ControllerUnavailableException when every attempt failed in transport
     */
    public <R> R call(Target target, Rpc<R> rpc, Function<R, Error> errorOf, Duration attemptTimeout)
            throws ControllerUnavailableException {
        int maxAttempts = maxAttempts();
        HostPort next = null;
        StatusRuntimeException lastFailure = null;
        R lastRedirect = null;
        for (int attempt = 0; attempt < maxAttempts; attempt++) {
            HostPort endpoint = next != null ? next : firstTarget(target);
            next = null;
            R response;
            try {
                response = rpc.call(ControllerServiceGrpc.newBlockingStub(channel(endpoint))
                        .withDeadlineAfter(attemptTimeout.toNanos(), TimeUnit.NANOSECONDS));
            } catch (StatusRuntimeException e) {
                log.debug("Controller {} failed: {}", endpoint, describe(e.getStatus()));
                lastFailure = e;
                skip(endpoint);
                continue;
            }
            Error error = errorOf.apply(response);
            ErrorCode code = error == null ? ErrorCode.NONE : error.getCode();
            if (code == ErrorCode.NOT_CONTROLLER && !error.getLeaderEndpoint().isEmpty()) {
                next = redirect(endpoint, error.getLeaderEndpoint());
                if (next != null) {
                    lastRedirect = response;
                    continue;
                }
            }
            if (code == ErrorCode.NOT_CONTROLLER || code == ErrorCode.CONTROLLER_UNAVAILABLE) {
                skip(endpoint);
                return response;
            }
            if (target == Target.LEADER) {
                rememberLeader(endpoint);
            }
            return response;
        }
        if (lastRedirect != null) {
            return lastRedirect;
        }
        throw new ControllerUnavailableException("no controller answered after " + maxAttempts
                + " attempts (bootstrap " + bootstrap + ")", lastFailure);
    }

    /** A status as code and description, without the cause's stack trace. */
    static String describe(Status status) {
        return status.getDescription() == null ? status.getCode().toString()
                : status.getCode() + " (" + status.getDescription() + ")";
    }

    private int maxAttempts() {
        return bootstrap.size() + 2;
    }

    private synchronized HostPort firstTarget(Target target) {
        if (target == Target.LEADER && leaderHint != null) {
            return leaderHint;
        }
        return bootstrap.get(cursor);
    }

    private synchronized void rememberLeader(HostPort endpoint) {
        leaderHint = endpoint;
    }

    private HostPort redirect(HostPort from, String leaderEndpoint) {
        HostPort leader;
        try {
            leader = HostPort.parse(leaderEndpoint);
        } catch (IllegalArgumentException e) {
            log.warn("Controller {} named an unusable leader endpoint '{}': {}", from, leaderEndpoint, e.getMessage());
            return null;
        }
        if (leader.equals(from)) {
            return null;
        }
        rememberLeader(leader);
        return leader;
    }

    private ManagedChannel channel(HostPort endpoint) {
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("controller channels are closed");
            }
        }
        ManagedChannel channel = channels.computeIfAbsent(endpoint, factory::open);
        // A channel that failed to connect waits out an exponential backoff (up to minutes) before
        // trying again; a restarted controller must be usable on our next attempt.
        if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
            channel.resetConnectBackoff();
        }
        return channel;
    }

    /** Closes every channel; calls in flight fail with CANCELLED/UNAVAILABLE. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
        }
        for (ManagedChannel channel : channels.values()) {
            channel.shutdownNow();
        }
        for (ManagedChannel channel : channels.values()) {
            try {
                if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
                    log.warn("A controller channel did not terminate within 2 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
