package io.wharf.client.consumer;

import io.wharf.client.Endpoint;
import java.time.Duration;
import java.util.List;

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
 *     {@code position} and {@code offsetsForTimes}; default 60 s
 */
public record ConsumerConfig(List<Endpoint> bootstrap, OffsetResetPolicy autoOffsetReset, Duration fetchMaxWait,
                             int fetchMinBytes, int fetchMaxBytes, int maxPartitionFetchBytes, int maxPollRecords,
                             Duration requestTimeout, Duration retryBackoff, Duration metadataMaxAge,
                             Duration defaultApiTimeout) {

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

        public ConsumerConfig build() {
            return new ConsumerConfig(bootstrap, autoOffsetReset, fetchMaxWait, fetchMinBytes, fetchMaxBytes,
                    maxPartitionFetchBytes, maxPollRecords, requestTimeout, retryBackoff, metadataMaxAge,
                    defaultApiTimeout);
        }
    }
}
