package io.wharf.client.queue;

import io.grpc.StatusRuntimeException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceBlockingStub;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Sends a unary queue request ({@code Get}, {@code DescribeQueue}, {@code PurgeQueue},
 * {@code DeleteQueue}) to the queue's leader: starts at the leader it last learned (or the first
 * candidate), follows a NOT_LEADER naming another broker at once, and tries the next candidate
 * after a backoff on other retriable errors and transport failures, until the timeout. Any other
 * error comes back in the response for the caller to interpret. Thread-safe; learned leaders are
 * cached per queue.
 */
public final class QueueLeaderCaller {

    private final EndpointChannels channels;
    private final Duration attemptTimeout;
    private final Duration retryBackoff;
    private final Map<String, Endpoint> leaders = new ConcurrentHashMap<>();

    public QueueLeaderCaller(EndpointChannels channels, Duration attemptTimeout, Duration retryBackoff) {
        this.channels = channels;
        this.attemptTimeout = attemptTimeout;
        this.retryBackoff = retryBackoff;
    }

    /**
     * @param candidates brokers to try, the likely leader first; at least one
     * @param name the RPC's name, for messages
     * @param errorOf the response's error
     * @return the response; its error is NONE or one that retrying does not cure
     * @throws ClientException with the last retriable error (REQUEST_TIMED_OUT after transport
     *     failures) once {@code timeout} passed; INVALID_REQUEST when a broker does not implement the call
     */
    public <R> R call(String queue, String name, List<Endpoint> candidates, Function<BrokerServiceBlockingStub, R> rpc,
                      Function<R, Error> errorOf, Duration timeout) {
        List<Endpoint> order = new ArrayList<>(new LinkedHashSet<>(candidates));
        if (order.isEmpty()) {
            throw new IllegalArgumentException("no broker to send " + name + " of queue '" + queue + "' to");
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Endpoint target = leaders.getOrDefault(queue, order.get(0));
        int next = 0;
        ClientException last;
        while (true) {
            try {
                R response = rpc.apply(BrokerServiceGrpc.newBlockingStub(channels.channel(target))
                        .withDeadlineAfter(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS));
                Error error = errorOf.apply(response);
                if (!DataPlaneErrors.isRetriable(error.getCode())) {
                    leaders.put(queue, target);
                    return response;
                }
                last = new ClientException(error.getCode(), name + " of queue '" + queue + "' at broker " + target
                        + ": " + error.getCode() + ": " + error.getMessage());
                Endpoint named = redirect(error, target);
                if (named != null) {
                    leaders.put(queue, named);
                    target = named;
                    continue; // the leader is named: go there at once
                }
            } catch (StatusRuntimeException e) {
                if (!DataPlaneErrors.isRetriable(e.getStatus().getCode())) {
                    ErrorCode code = e.getStatus().getCode() == io.grpc.Status.Code.UNIMPLEMENTED
                            ? ErrorCode.INVALID_REQUEST : ErrorCode.UNKNOWN_SERVER_ERROR;
                    throw new ClientException(code, name + " of queue '" + queue + "' at broker " + target
                            + " failed: " + e.getStatus(), e);
                }
                channels.reconnectPromptly(target);
                last = new ClientException(ErrorCode.REQUEST_TIMED_OUT, name + " of queue '" + queue + "': broker "
                        + target + " did not answer: " + e.getStatus().getCode(), e);
            }
            leaders.remove(queue, target);
            if (System.nanoTime() - deadline >= 0) {
                throw last;
            }
            pause(name);
            target = order.get(next++ % order.size());
        }
    }

    /** The leader of {@code queue} learned by the last call that reached it, if any. */
    public Optional<Endpoint> knownLeader(String queue) {
        return Optional.ofNullable(leaders.get(queue));
    }

    /** The broker a NOT_LEADER names when it is another one than {@code asked}; null otherwise. */
    static Endpoint redirect(Error error, Endpoint asked) {
        if (!DataPlaneErrors.redirectsElsewhere(error, asked)) {
            return null;
        }
        try {
            return Endpoint.parse(error.getLeaderEndpoint());
        } catch (IllegalArgumentException e) {
            return null; // an unusable endpoint: fall back to the candidates
        }
    }

    private void pause(String name) {
        try {
            Thread.sleep(Math.max(1, retryBackoff.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while retrying " + name, e);
        }
    }
}
