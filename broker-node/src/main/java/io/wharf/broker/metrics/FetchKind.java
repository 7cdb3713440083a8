package io.wharf.broker.metrics;

import java.util.Locale;

/** Who fetched, the {@code kind} label of {@code wharf_fetch_request_seconds}. */
public enum FetchKind {
    /** A client's Fetch on the BrokerService. */
    CONSUMER,
    /** A follower broker's ReplicaFetch on the ReplicationService. */
    FOLLOWER;

    private final String label = name().toLowerCase(Locale.ROOT);

    /** The label value, as it appears in the exposition. */
    public String label() {
        return label;
    }
}
