package io.wharf.broker.partition;

import io.wharf.broker.ServiceThreads;
import io.wharf.config.TopicConfigKeys;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.TopicConfigs;
import io.wharf.metadata.TopicImage;
import io.wharf.replication.log.Log;
import io.wharf.replication.log.RetentionPolicy;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes, every {@code log.retention.check.interval.ms}, the closed segments of each hosted
 * replica that its topic's retention no longer keeps (Kafka's log retention task). The policy is
 * read from the metadata at each run, so topic config changes and new partitions are picked up;
 * a topic's {@code retention.ms} / {@code retention.bytes}, when set, override the broker's
 * {@code log.retention.ms} / {@code log.retention.bytes}. Only segments below a replica's high
 * watermark go (the leader's, or the one last learned from it, {@link Log#enforceRetention}):
 * records not yet replicated everywhere are never deleted. In the same run each replica forgets
 * the idempotent producers past {@code producer.id.expiration.ms} ({@link Log#removeExpiredProducers},
 * every replica by the same rule; Kafka checks those on its own 10-minute schedule, one schedule
 * is enough here). A failure on one partition is logged and the others go on.
 *
 * <p>Threading: owns one daemon thread, started by {@link #start()} and stopped by
 * {@link #close()} (without interrupting a run, whose file I/O an interrupt would break);
 * {@link #runOnce()} may also be called from any thread (tests), the logs serialize it with
 * appends and truncation. A run holds no partition's monitor.
 */
final class RetentionEnforcer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(RetentionEnforcer.class);

    private final int brokerId;
    private final Supplier<Collection<Partition>> hosted;
    private final Supplier<MetadataImage> image;
    private final RetentionPolicy brokerDefault;
    private final Duration checkInterval;
    private final Duration producerIdExpiration;
    private final ScheduledExecutorService thread;

    /**
     * @param hosted        the replicas hosted now (asked at each run)
     * @param image         the metadata last applied to them (asked at each run)
     * @param brokerDefault the broker's log.retention.ms / log.retention.bytes
     * @param checkInterval the pause between two runs
     * @param producerIdExpiration producer.id.expiration.ms
     */
    RetentionEnforcer(int brokerId, Supplier<Collection<Partition>> hosted, Supplier<MetadataImage> image,
                      RetentionPolicy brokerDefault, Duration checkInterval, Duration producerIdExpiration) {
        this.brokerId = brokerId;
        this.hosted = hosted;
        this.image = image;
        this.brokerDefault = brokerDefault;
        this.checkInterval = checkInterval;
        this.producerIdExpiration = producerIdExpiration;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-log-retention"));
    }

    /** Schedules a run every check interval, the first one interval from now. */
    void start() {
        thread.scheduleWithFixedDelay(this::runQuietly, checkInterval.toMillis(), checkInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /**
     * The retention of a topic: its explicit {@code retention.ms} and {@code retention.bytes},
     * each falling back to the broker's default when the topic does not set it.
     *
     * @throws IllegalArgumentException when a set value is not a number of at least -1
     */
    static RetentionPolicy effectivePolicy(Map<String, String> explicitTopicConfigs, RetentionPolicy brokerDefault) {
        return new RetentionPolicy(
                number(explicitTopicConfigs, TopicConfigKeys.RETENTION_MS.name(), brokerDefault.retentionMs()),
                number(explicitTopicConfigs, TopicConfigKeys.RETENTION_BYTES.name(), brokerDefault.retentionBytes()));
    }

    private static long number(Map<String, String> configs, String key, long fallback) {
        String value = configs.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("topic config " + key + "='" + value + "' is not a whole number", e);
        }
    }

    /**
     * Applies retention to every hosted replica once.
     *
     * @return the number of segments deleted over all replicas
     */
    int runOnce() {
        MetadataImage current = image.get();
        int deleted = 0;
        for (Partition partition : hosted.get()) {
            TopicImage topic = current.topics().get(partition.topicPartition().topic());
            if (topic == null || !topic.topicId().equals(partition.topicId())) {
                continue;  // being deleted or re-created: the registry drops this replica
            }
            RetentionPolicy policy = null;
            try {
                policy = effectivePolicy(topic.configs(), brokerDefault);
                int segments = partition.log().enforceRetention(policy, partition.highWatermark());
                if (segments > 0) {
                    deleted += segments;
                    log.info("Broker {} deleted {} segment(s) of {} past its retention {}; its log start offset is "
                            + "now {}", brokerId, segments, partition.topicPartition(), policy,
                            partition.log().logStartOffset());
                }
                int producers = partition.log().removeExpiredProducers(producerIdExpiration.toMillis());
                if (producers > 0) {
                    log.info("Broker {} forgot {} idempotent producer(s) of {} whose last batch is older than {} ms",
                            brokerId, producers, partition.topicPartition(), producerIdExpiration.toMillis());
                }
            } catch (RuntimeException e) {
                if (hosted.get().contains(partition)) {
                    log.error("Broker {} could not apply retention {} to {} in {}; the other partitions go on and it "
                            + "is retried in {} ms", brokerId, policy, partition.topicPartition(),
                            partition.log().directory(), checkInterval.toMillis(), e);
                } else {
                    log.debug("Broker {}: {} was closed during its retention run: {}", brokerId,
                            partition.topicPartition(), e.toString());
                }
            }
        }
        return deleted;
    }

    /** The scheduled run: nothing may escape, or the executor would cancel every later run. */
    private void runQuietly() {
        try {
            runOnce();
        } catch (RuntimeException e) {
            log.error("Broker {}: a log retention run failed; the next runs in {} ms", brokerId,
                    checkInterval.toMillis(), e);
        }
    }

    /** Stops scheduling runs and waits (up to 10 s) for one in progress to finish. */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} log retention thread did not stop within 10 s", brokerId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
