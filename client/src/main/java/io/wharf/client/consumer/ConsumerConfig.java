package io.wharf.client.consumer;

import io.wharf.client.Endpoint;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * How a {@link Consumer} fetches; the names follow Kafka's consumer configs. Immutable; build one
 * with {@link #builder(List)}.
 *
 * @param bootstrap brokers to learn the metadata from ({@code bootstrap.servers}); at least one
 * @param autoOffsetReset {@code auto.offset.reset}: earliest, latest or none; default latest
 * @param fetchMaxWait {@code fetch.max.wait.ms}: how long a broker may hold a fetch for data; default 500 ms
 * @param fetchMinBytes {@code fetch.min.bytes}: bytes a broker waits for before answering; default 1
 * @param fetchMaxBytes {@code fetch.max.bytes}: bytes per fetch response over all partitions; default 50 MiB
 * @param maxPartitionFetchBytes {@code max.partition.fetch.bytes}: bytes per partition per fetch; default 1 MiB
 * @param maxPollRecords {@code max.poll.records}: records one poll returns at most; default 500
 * @param requestTimeout {@code request.timeout.ms}: bound on one request beyond its long-poll; default 30 s
 * @param retryBackoff {@code retry.backoff.ms}: pause after a retriable failure; default 100 ms
 * @param metadataMaxAge {@code metadata.max.age.ms}: refresh the metadata at least this often; default 5 min
 * @param defaultApiTimeout {@code default.api.timeout.ms}: bound on blocking calls such as
 *     {@code position}, {@code offsetsForTimes} and {@code commitSync}; default 60 s
 * @param groupId {@code group.id}: the consumer group {@code subscribe} joins; empty without groups
 * @param groupInstanceId {@code group.instance.id}: a static member's id, which keeps its assignment
 *     through a restart within the session timeout; empty for a dynamic member
 * @param sessionTimeout {@code session.timeout.ms}: a member silent this long loses its partitions;
 *     default 45 s (the coordinator clamps it into its bounds). The heartbeat interval is the
 *     coordinator's to set.
 * @param maxPollInterval {@code max.poll.interval.ms}: how long the member may take to revoke
 *     partitions (sent as the rebalance timeout), and go without polling before it leaves the
 *     group (the next poll rejoins); default 5 min
 * @param groupRemoteAssignor {@code group.remote.assignor}: the coordinator's assignor to ask for
 *     ({@code uniform} or {@code range}); empty: the coordinator's default
 * @param enableAutoCommit {@code enable.auto.commit}: commit positions every auto-commit interval,
 *     before revoking a partition and on close; default false (commit after processing)
 * @param autoCommitInterval {@code auto.commit.interval.ms}; default 5 s
 */
public record ConsumerConfig(List<Endpoint> bootstrap, OffsetResetPolicy autoOffsetReset, Duration fetchMaxWait,
                             int fetchMinBytes, int fetchMaxBytes, int maxPartitionFetchBytes, int maxPollRecords,
                             Duration requestTimeout, Duration retryBackoff, Duration metadataMaxAge,
                             Duration defaultApiTimeout, Optional<String> groupId, Optional<String> groupInstanceId,
                             Duration sessionTimeout, Duration maxPollInterval, Optional<String> groupRemoteAssignor,
                             boolean enableAutoCommit, Duration autoCommitInterval) {

    public ConsumerConfig {
        bootstrap = List.copyOf(bootstrap);
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap names no broker; give host:port[,host:port...]");
        }
        if (fetchMinBytes < 0 || fetchMaxBytes < 1 || maxPartitionFetchBytes < 1) {
            throw new IllegalArgumentException("fetch.min.bytes must be >= 0 and fetch.max.bytes, "
                    + "max.partition.fetch.bytes >= 1");
        }
        if (maxPollRecords < 1) {
            throw new IllegalArgumentException("max.poll.records must be at least 1, got " + maxPollRecords);
        }
        if (groupId.isPresent() && groupId.get().isBlank()) {
            throw new IllegalArgumentException("group.id must not be blank");
        }
        if (groupInstanceId.isPresent() && groupInstanceId.get().isBlank()) {
            throw new IllegalArgumentException("group.instance.id must not be blank (leave it unset for a dynamic member)");
        }
        if (sessionTimeout.toMillis() < 1 || maxPollInterval.toMillis() < 1 || autoCommitInterval.toMillis() < 1) {
            throw new IllegalArgumentException("session.timeout.ms, max.poll.interval.ms and auto.commit.interval.ms "
                    + "must be at least 1 ms");
        }
    }

    public static Builder builder(List<Endpoint> bootstrap) {
        return new Builder(bootstrap);
    }

    /** Collects settings over the defaults. Single-threaded. */
    public static final class Builder {
        private final List<Endpoint> bootstrap;
        private OffsetResetPolicy autoOffsetReset = OffsetResetPolicy.LATEST;
        private Duration fetchMaxWait = Duration.ofMillis(500);
        private int fetchMinBytes = 1;
        private int fetchMaxBytes = 50 * 1024 * 1024;
        private int maxPartitionFetchBytes = 1024 * 1024;
        private int maxPollRecords = 500;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Duration retryBackoff = Duration.ofMillis(100);
        private Duration metadataMaxAge = Duration.ofMinutes(5);
        private Duration defaultApiTimeout = Duration.ofSeconds(60);
        private String groupId;
        private String groupInstanceId;
        private Duration sessionTimeout = Duration.ofSeconds(45);
        private Duration maxPollInterval = Duration.ofMinutes(5);
        private String groupRemoteAssignor;
        private boolean enableAutoCommit;
        private Duration autoCommitInterval = Duration.ofSeconds(5);

        private Builder(List<Endpoint> bootstrap) {
            this.bootstrap = bootstrap;
        }

        public Builder autoOffsetReset(OffsetResetPolicy value) {
            autoOffsetReset = value;
            return this;
        }

        public Builder fetchMaxWait(Duration value) {
            fetchMaxWait = value;
            return this;
        }

        public Builder fetchMinBytes(int value) {
            fetchMinBytes = value;
            return this;
        }

        public Builder fetchMaxBytes(int value) {
            fetchMaxBytes = value;
            return this;
        }

        public Builder maxPartitionFetchBytes(int value) {
            maxPartitionFetchBytes = value;
            return this;
        }

        public Builder maxPollRecords(int value) {
            maxPollRecords = value;
            return this;
        }

        public Builder requestTimeout(Duration value) {
            requestTimeout = value;
            return this;
        }

        public Builder retryBackoff(Duration value) {
            retryBackoff = value;
            return this;
        }

        public Builder metadataMaxAge(Duration value) {
            metadataMaxAge = value;
            return this;
        }

        public Builder defaultApiTimeout(Duration value) {
            defaultApiTimeout = value;
            return this;
        }

        public Builder groupId(String value) {
            groupId = value;
            return this;
        }

        public Builder groupInstanceId(String value) {
            groupInstanceId = value;
            return this;
        }

        public Builder sessionTimeout(Duration value) {
            sessionTimeout = value;
            return this;
        }

        public Builder maxPollInterval(Duration value) {
            maxPollInterval = value;
            return this;
        }

        public Builder groupRemoteAssignor(String value) {
            groupRemoteAssignor = value;
            return this;
        }

        public Builder enableAutoCommit(boolean value) {
            enableAutoCommit = value;
            return this;
        }

        public Builder autoCommitInterval(Duration value) {
            autoCommitInterval = value;
            return this;
        }

        public ConsumerConfig build() {
            return new ConsumerConfig(bootstrap, autoOffsetReset, fetchMaxWait, fetchMinBytes, fetchMaxBytes,
                    maxPartitionFetchBytes, maxPollRecords, requestTimeout, retryBackoff, metadataMaxAge,
                    defaultApiTimeout, Optional.ofNullable(groupId), Optional.ofNullable(groupInstanceId),
                    sessionTimeout, maxPollInterval, Optional.ofNullable(groupRemoteAssignor), enableAutoCommit,
                    autoCommitInterval);
        }
    }
}
