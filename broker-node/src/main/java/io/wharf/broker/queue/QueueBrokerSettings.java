package io.wharf.broker.queue;

/**
 * How this broker runs the queues it leads (broker configuration, {@code queue.*} keys; see
 * docs/configuration.md).
 *
 * @param commitTimeoutMs       how long an appended entry may wait to be committed before its caller hears REQUEST_TIMED_OUT
 * @param consumerTimeoutMs     a consumer holding a delivery longer is closed and its messages return (RabbitMQ's consumer timeout, 30 min)
 * @param maxMessageBytes       the largest message (body, headers and properties) a queue stores
 * @param maxBatchBytes         the most entry bytes appended in one batch (one larger entry goes alone); queue logs allow 16 MiB
 * @param messageCacheBytes     recently stored messages kept in memory for delivery, over all the queues this broker leads
 * @param checkpointEntries     entries after which the leader writes a checkpoint, so the log start can pass the older ones
 * @param moveThresholdEntries  a live message this many entries behind the log end is re-appended at the tail
 * @param moveBatch             how many messages one upkeep round re-appends at most
 */
public record QueueBrokerSettings(long commitTimeoutMs, long consumerTimeoutMs, int maxMessageBytes, int maxBatchBytes,
                            long messageCacheBytes, long checkpointEntries, long moveThresholdEntries, int moveBatch) {

    /** The defaults of every key. */
    public static QueueBrokerSettings defaults() {
        return new QueueBrokerSettings(30_000, 1_800_000, 1_000_000, 512 << 10, 64L << 20, 10_000, 1_000_000, 100);
    }

    /** These settings with a queue's own consumer timeout ({@code x-consumer-timeout}). */
    QueueBrokerSettings withConsumerTimeout(long timeoutMs) {
        return new QueueBrokerSettings(commitTimeoutMs, timeoutMs, maxMessageBytes, maxBatchBytes, messageCacheBytes,
                checkpointEntries, moveThresholdEntries, moveBatch);
    }
}
