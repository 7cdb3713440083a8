package io.wharf.client.metadata;

import io.grpc.StatusRuntimeException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The metadata a producer or consumer routes by: a {@link ClusterView} learned from any broker's
 * {@code DescribeMetadata}, refreshed when it is older than {@code maxAge}, when a caller marks it
 * stale (NOT_LEADER, unknown partition, transport failure), and patched at once from a
 * NOT_LEADER's leader id and endpoint (kept over refreshes that still show the older leader
 * epoch). Brokers are tried in turn: those the view knows, then the
 * bootstrap list. Thread-safe; refreshes are serialised.
 */
public final class ClientMetadata {

    private final List<Endpoint> bootstrap;
    private final EndpointChannels channels;
    private final Duration attemptTimeout;
    private final Duration maxAge;
    private final Duration refreshBackoff;
    private final LongSupplier nowMs;
    private volatile ClusterView view = ClusterView.empty();
    private volatile boolean stale = true;
    private long lastAttemptMs = Long.MIN_VALUE / 2;
    private int nextBroker;
    private final Map<TopicPartition, Redirect> redirects = new HashMap<>();

    /**
     * @param bootstrap brokers to ask when the view names none that answers; at least one
     * @param attemptTimeout deadline of one DescribeMetadata call
     * @param maxAge refresh a view older than this ({@code metadata.max.age.ms})
     * @param refreshBackoff least time between two refresh attempts driven by staleness
     */
    public ClientMetadata(List<Endpoint> bootstrap, EndpointChannels channels, Duration attemptTimeout, Duration maxAge,
                          Duration refreshBackoff, LongSupplier nowMs) {
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("the bootstrap list names no broker; give host:port[,host:port...]");
        }
        this.bootstrap = List.copyOf(bootstrap);
        this.channels = channels;
        this.attemptTimeout = attemptTimeout;
        this.maxAge = maxAge;
        this.refreshBackoff = refreshBackoff;
        this.nowMs = nowMs;
    }

    public ClusterView view() {
        return view;
    }

    /** Asks for a refresh on the next {@link #maybeRefresh()}. */
    public void markStale() {
        stale = true;
    }

    /**
     * Applies a NOT_LEADER (or similar) error for {@code tp}: routes to the named leader when the
     * error names one, and marks the view stale either way so the rest is re-learned.
     */
    public void onPartitionError(TopicPartition tp, Error error) {
        if (error.getCode() == ErrorCode.NOT_LEADER && error.getLeaderId() >= 0) {
            int staleEpoch = view.leader(tp).map(ClusterView.PartitionLeader::leaderEpoch).orElse(-1);
            Endpoint endpoint = null;
            if (!error.getLeaderEndpoint().isBlank()) {
                try {
                    endpoint = Endpoint.parse(error.getLeaderEndpoint());
                } catch (IllegalArgumentException ignored) {
                    // an unusable endpoint in a redirect: fall back to the broker list of the view
                    endpoint = null;
                }
            }
            synchronized (this) {
                view = view.withLeader(tp, error.getLeaderId(), endpoint);
                redirects.put(tp, new Redirect(error.getLeaderId(), endpoint, staleEpoch));
            }
            return;
        }
        stale = true;
    }

    /**
     * Keeps redirects the new view has not caught up with: a broker's metadata may still name the
     * old leader at the old epoch for a moment after the new leader answered.
     */
    private ClusterView withRedirects(ClusterView fresh) {
        ClusterView result = fresh;
        for (var it = redirects.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            Redirect redirect = entry.getValue();
            var leader = fresh.leader(entry.getKey());
            if (leader.isPresent() && leader.get().leaderEpoch() <= redirect.staleEpoch()
                    && leader.get().leaderId() != redirect.leaderId()) {
                result = result.withLeader(entry.getKey(), redirect.leaderId(), redirect.endpoint());
            } else {
                it.remove();
            }
        }
        return result;
    }

    /** A leader named by a NOT_LEADER, and the leader epoch the metadata had when it came. */
    private record Redirect(int leaderId, Endpoint endpoint, int staleEpoch) {
    }

    /**
     * Refreshes when the view is stale or too old and the last attempt is at least the backoff
     * ago. A failed attempt keeps the old view (it is retried after the backoff).
     *
     * @return whether a refresh succeeded
     */
    public boolean maybeRefresh() {
        long now = nowMs.getAsLong();
        synchronized (this) {
            boolean due = stale || now - view.createdMs() >= maxAge.toMillis();
            if (!due || now - lastAttemptMs < refreshBackoff.toMillis()) {
                return false;
            }
        }
        try {
            refresh();
            return true;
        } catch (ClientException e) {
            return false;
        }
    }

    /**
     * Asks the brokers, one after another, for their metadata; the first answer becomes the view.
     *
     * @throws ClientException with REQUEST_TIMED_OUT naming the brokers tried when none answered
     */
    public synchronized ClusterView refresh() {
        lastAttemptMs = nowMs.getAsLong();
        Set<Endpoint> candidates = new LinkedHashSet<>(view.brokerEndpoints());
        candidates.addAll(bootstrap);
        List<Endpoint> order = List.copyOf(candidates);
        StringBuilder failures = new StringBuilder();
        for (int i = 0; i < order.size(); i++) {
            Endpoint endpoint = order.get((nextBroker + i) % order.size());
            try {
                DescribeMetadataResponse response = BrokerServiceGrpc.newBlockingStub(channels.channel(endpoint))
                        .withDeadlineAfter(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS)
                        .describeMetadata(DescribeMetadataRequest.getDefaultInstance());
                view = withRedirects(ClusterView.of(response, nowMs.getAsLong()));
                stale = false;
                nextBroker = (nextBroker + i) % order.size();
                return view;
            } catch (StatusRuntimeException e) {
                channels.reconnectPromptly(endpoint);
                failures.append(failures.length() == 0 ? "" : "; ").append(endpoint).append(": ")
                        .append(e.getStatus().getCode());
            }
        }
        nextBroker++;
        throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "no broker answered DescribeMetadata (" + failures
                + ") — is the cluster running? (--bootstrap names brokers)");
    }

    /**
     * The partition count of {@code topic}, refreshing until the topic appears or {@code maxWait}
     * passes (a new topic reaches brokers shortly after it is created).
     *
     * @throws ClientException UNKNOWN_TOPIC when the brokers answer but do not know the topic,
     *     REQUEST_TIMED_OUT when no broker answered
     */
    public int awaitPartitionCount(String topic, Duration maxWait) {
        Integer count = view.partitionCount(topic).orElse(null);
        if (count != null) {
            return count;
        }
        long deadline = nowMs.getAsLong() + maxWait.toMillis();
        ClientException last;
        do {
            try {
                count = refresh().partitionCount(topic).orElse(null);
                if (count != null) {
                    return count;
                }
                last = new ClientException(ErrorCode.UNKNOWN_TOPIC, "topic '" + topic
                        + "' does not exist; wharf topics list shows the ones that do");
            } catch (ClientException e) {
                last = e;
            }
            pause(refreshBackoff);
        } while (nowMs.getAsLong() < deadline);
        throw last;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(Math.max(1, duration.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for metadata", e);
        }
    }
}
