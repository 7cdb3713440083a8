package io.wharf.client.group;

import io.grpc.Context;
import io.grpc.StatusRuntimeException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceBlockingStub;
import io.wharf.proto.broker.FindCoordinatorRequest;
import io.wharf.proto.broker.FindCoordinatorResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends requests to the coordinator of a consumer group: finds it with {@code FindCoordinator}
 * (any broker answers), follows a {@code NOT_COORDINATOR}'s redirect at once, and retries
 * {@code COORDINATOR_NOT_AVAILABLE}, {@code REQUEST_TIMED_OUT} and transport failures after a
 * backoff, finding the coordinator again, until the caller's timeout passes. Any other error comes
 * back in the response for the caller to interpret. Thread-safe: a consumer's heartbeat thread and
 * poll thread share one; coordinators are cached per group.
 */
public final class GroupCoordinatorClient {

    private final List<Endpoint> bootstrap;
    private final ClientMetadata metadata;
    private final EndpointChannels channels;
    private final Duration requestTimeout;
    private final Duration retryBackoff;
    private final Map<String, Endpoint> coordinators = new ConcurrentHashMap<>();

    /**
     * @param bootstrap brokers to ask FindCoordinator when the metadata names none that answers
     * @param requestTimeout deadline of one call
     * @param retryBackoff pause before retrying a retriable failure
     */
    public GroupCoordinatorClient(List<Endpoint> bootstrap, ClientMetadata metadata, EndpointChannels channels,
                                  Duration requestTimeout, Duration retryBackoff) {
        this.bootstrap = List.copyOf(bootstrap);
        this.metadata = metadata;
        this.channels = channels;
        this.requestTimeout = requestTimeout;
        this.retryBackoff = retryBackoff;
    }

    /**
     * The errors {@link #call} retries by finding the coordinator again. STALE_MEMBER_EPOCH and
     * UNRELEASED_INSTANCE_ID are retriable too (docs/errors.md) but need a heartbeat or a wait
     * first, which the caller does.
     */
    public static boolean isRetriable(ErrorCode code) {
        return code == ErrorCode.NOT_COORDINATOR || code == ErrorCode.COORDINATOR_NOT_AVAILABLE
                || code == ErrorCode.REQUEST_TIMED_OUT;
    }

    /**
     * Sends {@code rpc} to the coordinator of {@code groupId} until it answers something other than
     * a retriable coordinator error.
     *
     * @param name the RPC's name, for messages
     * @param errorOf the response's request-wide error
     * @return the response; its error is NONE or one the caller must handle
     * @throws ClientException with the last retriable error (REQUEST_TIMED_OUT after transport
     *     failures) when {@code timeout} passed, or with FindCoordinator's non-retriable error
     */
    public <R> R call(String groupId, String name, Function<BrokerServiceBlockingStub, R> rpc,
                      Function<R, Error> errorOf, Duration timeout) {
        return call(groupId, name, rpc, errorOf, timeout, requestTimeout);
    }

    /**
     * As {@link #call(String, String, Function, Function, Duration)}, with a deadline of
     * {@code callTimeout} on each attempt: a held heartbeat needs more than the request timeout.
     * When the caller's gRPC {@link Context} is cancelled, the attempt running is cancelled with it
     * and this throws REQUEST_TIMED_OUT at once, keeping the coordinator it knows.
     */
    public <R> R call(String groupId, String name, Function<BrokerServiceBlockingStub, R> rpc,
                      Function<R, Error> errorOf, Duration timeout, Duration callTimeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        ClientException last;
        while (true) {
            Endpoint coordinator = coordinators.get(groupId);
            if (coordinator == null) {
                coordinator = find(groupId);
            }
            if (coordinator != null) {
                try {
                    R response = rpc.apply(BrokerServiceGrpc.newBlockingStub(channels.channel(coordinator))
                            .withDeadlineAfter(callTimeout.toMillis(), TimeUnit.MILLISECONDS));
                    Error error = errorOf.apply(response);
                    if (!isRetriable(error.getCode())) {
                        return response;
                    }
                    last = new ClientException(error.getCode(), name + " of group '" + groupId + "' at broker "
                            + coordinator + " failed: " + error.getCode() + " " + error.getMessage());
                    if (redirect(groupId, coordinator, error)) {
                        continue; // the coordinator is named: go there at once
                    }
                } catch (StatusRuntimeException e) {
                    if (Context.current().isCancelled()) {
                        // the caller cancelled (e.g. a held heartbeat giving way): the coordinator is fine
                        throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, name + " of group '" + groupId
                                + "' was cancelled", e);
                    }
                    if (!DataPlaneErrors.isRetriable(e.getStatus().getCode())) {
                        throw new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, name + " of group '" + groupId
                                + "' at broker " + coordinator + " failed: " + e.getStatus(), e);
                    }
                    channels.reconnectPromptly(coordinator);
                    coordinators.remove(groupId, coordinator);
                    last = new ClientException(ErrorCode.REQUEST_TIMED_OUT, name + " of group '" + groupId
                            + "': coordinator " + coordinator + " did not answer: " + e.getStatus().getCode(), e);
                }
            } else {
                last = new ClientException(ErrorCode.COORDINATOR_NOT_AVAILABLE, "no broker knows the coordinator of "
                        + "group '" + groupId + "' yet (FindCoordinator answered COORDINATOR_NOT_AVAILABLE or nothing)");
            }
            if (System.currentTimeMillis() >= deadline || Context.current().isCancelled()) {
                throw last;
            }
            pause();
        }
    }

    /** Follows a NOT_COORDINATOR; returns whether it named another broker to go to. */
    private boolean redirect(String groupId, Endpoint asked, Error error) {
        coordinators.remove(groupId, asked);
        if (error.getCode() != ErrorCode.NOT_COORDINATOR || error.getLeaderEndpoint().isBlank()) {
            return false;
        }
        try {
            Endpoint named = Endpoint.parse(error.getLeaderEndpoint());
            if (named.equals(asked)) {
                return false; // the broker is taking over as coordinator: give it a moment
            }
            coordinators.put(groupId, named);
            return true;
        } catch (IllegalArgumentException e) {
            return false; // an unusable endpoint: FindCoordinator will tell
        }
    }

    /**
     * Asks the brokers in turn where the coordinator is; null when none could tell (retriable).
     *
     * @throws ClientException when a broker answers a non-retriable error (e.g. INVALID_GROUP_ID)
     */
    private Endpoint find(String groupId) {
        Set<Endpoint> candidates = new LinkedHashSet<>(metadata.view().brokerEndpoints());
        candidates.addAll(bootstrap);
        for (Endpoint broker : candidates) {
            try {
                FindCoordinatorResponse response = BrokerServiceGrpc.newBlockingStub(channels.channel(broker))
                        .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .findCoordinator(FindCoordinatorRequest.newBuilder().setGroupId(groupId).build());
                ErrorCode code = response.getError().getCode();
                if (code == ErrorCode.NONE) {
                    Endpoint coordinator = new Endpoint(response.getHost(), response.getPort());
                    coordinators.put(groupId, coordinator);
                    return coordinator;
                }
                if (!isRetriable(code)) {
                    throw new ClientException(code, "FindCoordinator for group '" + groupId + "' failed: " + code + " "
                            + response.getError().getMessage());
                }
                return null; // the brokers share one answer: retry after the backoff
            } catch (StatusRuntimeException e) {
                channels.reconnectPromptly(broker);
            }
        }
        metadata.markStale();
        metadata.maybeRefresh();
        return null;
    }

    private void pause() {
        try {
            Thread.sleep(Math.max(1, retryBackoff.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for a group coordinator", e);
        }
    }
}
