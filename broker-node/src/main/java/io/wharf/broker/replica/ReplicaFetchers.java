package io.wharf.broker.replica;

import io.wharf.broker.HostPort;
import io.wharf.broker.partition.FollowerPosition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * One {@link ReplicaFetcher} per leader broker this broker follows some partition of: started
 * when the first such partition appears, restarted when the leader's endpoint changes, stopped
 * when none is left. Thread-safe (synchronized); told about changes on the registry's thread.
 */
public final class ReplicaFetchers implements PartitionRegistry.ChangeListener, AutoCloseable {

    private final int brokerId;
    private final PartitionRegistry registry;
    private final LongSupplier brokerEpoch;
    private final Duration maxWait;
    private final int maxBytes;
    private final Duration backoff;
    private final Duration requestSlack;
    private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>();  // guarded by this
    private boolean closed;                                                // guarded by this

    /**
     * @param backoff      pause after a failed fetch
     * @param requestSlack added to max wait for a fetch's deadline
     */
    public ReplicaFetchers(int brokerId, PartitionRegistry registry, LongSupplier brokerEpoch, Duration maxWait,
                           int maxBytes, Duration backoff, Duration requestSlack) {
        this.brokerId = brokerId;
        this.registry = registry;
        this.brokerEpoch = brokerEpoch;
        this.maxWait = maxWait;
        this.maxBytes = maxBytes;
        this.backoff = backoff;
        this.requestSlack = requestSlack;
    }

    @Override
    public synchronized void partitionsChanged(MetadataImage image) {
        if (closed) {
            return;
        }
        Map<Integer, HostPort> wanted = new HashMap<>();
        for (Partition partition : registry.partitions()) {
            Optional<FollowerPosition> position = partition.followerPosition();
            if (position.isEmpty()) {
                continue;
            }
            int leader = position.get().leaderId();
            image.broker(leader).map(BrokerRegistration::endpoint).map(HostPort::parse)
                    .ifPresent(endpoint -> wanted.put(leader, endpoint));
        }
        for (Map.Entry<Integer, ReplicaFetcher> entry : List.copyOf(fetchers.entrySet())) {
            HostPort endpoint = wanted.get(entry.getKey());
            if (endpoint == null || !endpoint.equals(entry.getValue().endpoint())) {
                fetchers.remove(entry.getKey()).close();
            }
        }
        for (Map.Entry<Integer, HostPort> entry : wanted.entrySet()) {
            if (!fetchers.containsKey(entry.getKey())) {
                ReplicaFetcher fetcher = new ReplicaFetcher(brokerId, entry.getKey(), entry.getValue(), registry,
                        brokerEpoch, maxWait, maxBytes, backoff, requestSlack);
                fetchers.put(entry.getKey(), fetcher);
                fetcher.start();
            }
        }
    }

    /** Leader brokers being fetched from (for tests and tools). */
    public synchronized List<Integer> leaders() {
        return List.copyOf(fetchers.keySet());
    }

    @Override
    public synchronized void close() {
        closed = true;
        fetchers.values().forEach(ReplicaFetcher::close);
        fetchers.clear();
    }
}
