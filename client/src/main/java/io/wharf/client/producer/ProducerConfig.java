package io.wharf.client.producer;

import io.wharf.client.Endpoint;
import io.wharf.record.CompressionType;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link Producer} batches, acknowledges and retries; the names follow Kafka's producer
 * configs. Immutable; build one with {@link #builder(List)}.
 *
 * @param bootstrap brokers to learn the metadata from ({@code bootstrap.servers}); at least one
 * @param acks {@code acks}: 0 (no wait), 1 (leader appended) or -1 (all: high watermark passed); default -1
 * @param batchSize {@code batch.size}: bytes per partition batch before it is sent at once; default 16384
 * @param linger {@code linger.ms}: how long a batch that is not full waits for more records; default 5 ms
 * @param compression {@code compression.type}: none, gzip, snappy, lz4 or zstd; default none
 * @param deliveryTimeout {@code delivery.timeout.ms}: bound on send-to-acknowledgement including
 *     retries; default 120 s
 * @param requestTimeout {@code request.timeout.ms}: how long one Produce request may take; default 30 s
 * @param retryBackoff {@code retry.backoff.ms}: pause before a partition's batches are resent; default 100 ms
 * @param maxInFlightPerBroker {@code max.in.flight.requests.per.connection}: unanswered Produce
 *     requests per broker connection, 1 or more; default 5. With idempotence (at most
 *     {@value #MAX_IN_FLIGHT_WITH_IDEMPOTENCE} then) it also bounds one partition's requests in
 *     flight: a partition pipelines several, and its order survives retries because the leader
 *     refuses a batch that does not follow the last one written. Without idempotence a partition
 *     has one request in flight at a time, so a retry cannot be overtaken (Kafka lets such
 *     records reorder instead)
 * @param maxRequestSize {@code max.request.size}: bytes of one request and of the largest record; default 1 MiB
 * @param maxBlock {@code max.block.ms}: how long {@code send} may wait for the topic's metadata; default 60 s
 * @param metadataMaxAge {@code metadata.max.age.ms}: refresh the metadata at least this often; default 5 min
 * @param bufferMemory {@code buffer.memory}: bytes of records queued or in flight before {@code send}
 *     blocks; default 32 MiB
 * @param idempotence {@code enable.idempotence}: stamp batches with a producer id and per-partition
 *     sequence numbers so the brokers write each batch once however often it is retried; default
 *     true. Needs acks=all and max.in.flight.requests.per.connection at most
 *     {@value #MAX_IN_FLIGHT_WITH_IDEMPOTENCE}: left unset it is turned off when either is not so
 *     (as in Kafka); set to true explicitly it makes such a configuration an error.
 */
public record ProducerConfig(List<Endpoint> bootstrap, int acks, int batchSize, Duration linger,
                             CompressionType compression, Duration deliveryTimeout, Duration requestTimeout,
                             Duration retryBackoff, int maxInFlightPerBroker, int maxRequestSize, Duration maxBlock,
                             Duration metadataMaxAge, long bufferMemory, boolean idempotence) {

    /** The most unacknowledged requests per connection idempotence allows, as in Kafka. */
    public static final int MAX_IN_FLIGHT_WITH_IDEMPOTENCE = 5;
    /**
     * With idempotence, the most batches of one partition sent and not yet completed, over all its
     * requests in flight and its retries: what a partition leader remembers per producer (the
     * broker's {@code ProducerStateTable.RETAINED_BATCHES}), so any resent batch is recognised.
     */
    public static final int MAX_UNACKNOWLEDGED_BATCHES_PER_PARTITION = 32;

    public ProducerConfig {
        bootstrap = List.copyOf(bootstrap);
        if (bootstrap.isEmpty()) {
            throw new IllegalArgumentException("bootstrap names no broker; give host:port[,host:port...]");
        }
        if (acks != 0 && acks != 1 && acks != -1) {
            throw new IllegalArgumentException("acks must be 0, 1 or -1 (all), got " + acks);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch.size must be at least 1, got " + batchSize);
        }
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger.ms must not be negative, got " + linger.toMillis());
        }
        if (maxInFlightPerBroker < 1) {
            throw new IllegalArgumentException("max.in.flight.requests.per.connection must be at least 1, got "
                    + maxInFlightPerBroker);
        }
        if (maxRequestSize < 1024) {
            throw new IllegalArgumentException("max.request.size must be at least 1024, got " + maxRequestSize);
        }
        if (bufferMemory < batchSize) {
            throw new IllegalArgumentException("buffer.memory (" + bufferMemory + ") must be at least batch.size ("
                    + batchSize + ")");
        }
        if (idempotence && acks != -1) {
            throw new IllegalArgumentException("enable.idempotence needs acks=all (-1), got acks=" + acks
                    + "; set acks=all or enable.idempotence=false");
        }
        if (idempotence && maxInFlightPerBroker > MAX_IN_FLIGHT_WITH_IDEMPOTENCE) {
            throw new IllegalArgumentException("enable.idempotence needs max.in.flight.requests.per.connection <= "
                    + MAX_IN_FLIGHT_WITH_IDEMPOTENCE + ", got " + maxInFlightPerBroker
                    + "; lower it or set enable.idempotence=false");
        }
        if (deliveryTimeout.compareTo(linger.plus(requestTimeout)) < 0) {
            throw new IllegalArgumentException("delivery.timeout.ms (" + deliveryTimeout.toMillis()
                    + ") must be at least linger.ms + request.timeout.ms (" + linger.plus(requestTimeout).toMillis() + ")");
        }
    }

    /** Parses {@code all}, {@code -1}, {@code 1} or {@code 0}. */
    public static int parseAcks(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "all", "-1" -> -1;
            case "1" -> 1;
            case "0" -> 0;
            default -> throw new IllegalArgumentException("acks must be all, -1, 1 or 0, got '" + text + "'");
        };
    }

    public static Builder builder(List<Endpoint> bootstrap) {
        return new Builder(bootstrap);
    }

    /** Collects settings over the defaults. Single-threaded. */
    public static final class Builder {
        private final List<Endpoint> bootstrap;
        private int acks = -1;
        private int batchSize = 16384;
        private Duration linger = Duration.ofMillis(5);
        private CompressionType compression = CompressionType.NONE;
        private Duration deliveryTimeout = Duration.ofMillis(120_000);
        private Duration requestTimeout = Duration.ofMillis(30_000);
        private Duration retryBackoff = Duration.ofMillis(100);
        private int maxInFlightPerBroker = 5;
        private int maxRequestSize = 1024 * 1024;
        private Duration maxBlock = Duration.ofMillis(60_000);
        private Duration metadataMaxAge = Duration.ofMinutes(5);
        private long bufferMemory = 32L * 1024 * 1024;
        private Boolean idempotence;

        private Builder(List<Endpoint> bootstrap) {
            this.bootstrap = bootstrap;
        }

        public Builder acks(int value) {
            acks = value;
            return this;
        }

        public Builder batchSize(int value) {
            batchSize = value;
            return this;
        }

        public Builder linger(Duration value) {
            linger = value;
            return this;
        }

        public Builder compression(CompressionType value) {
            compression = value;
            return this;
        }

        public Builder deliveryTimeout(Duration value) {
            deliveryTimeout = value;
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

        /**
         * {@code max.in.flight.requests.per.connection}: at least 1; at most
         * {@value ProducerConfig#MAX_IN_FLIGHT_WITH_IDEMPOTENCE} with idempotence, which a higher
         * value turns off when {@link #idempotence} is left unset.
         */
        public Builder maxInFlightPerBroker(int value) {
            maxInFlightPerBroker = value;
            return this;
        }

        public Builder maxRequestSize(int value) {
            maxRequestSize = value;
            return this;
        }

        public Builder maxBlock(Duration value) {
            maxBlock = value;
            return this;
        }

        public Builder metadataMaxAge(Duration value) {
            metadataMaxAge = value;
            return this;
        }

        public Builder bufferMemory(long value) {
            bufferMemory = value;
            return this;
        }

        /** {@code enable.idempotence}; unset means true unless acks or max.in.flight rule it out. */
        public Builder idempotence(boolean value) {
            idempotence = value;
            return this;
        }

        public ProducerConfig build() {
            boolean enabled = idempotence != null ? idempotence
                    : acks == -1 && maxInFlightPerBroker <= MAX_IN_FLIGHT_WITH_IDEMPOTENCE;
            return new ProducerConfig(bootstrap, acks, batchSize, linger, compression, deliveryTimeout, requestTimeout,
                    retryBackoff, maxInFlightPerBroker, maxRequestSize, maxBlock, metadataMaxAge, bufferMemory, enabled);
        }
    }
}
