package io.wharf.queue;

/**
 * The fixed settings of one queue's state machine. Every replica of the queue must use the same
 * settings, or their states diverge. Immutable.
 *
 * @param singleActiveConsumer  x-single-active-consumer: only one consumer receives deliveries
 * @param publisherWindow       how many recent sequences are remembered per publisher to drop retried publishes
 * @param maxPublishers         how many publishers are remembered; the least recently used is forgotten first
 */
public record QueueSettings(boolean singleActiveConsumer, int publisherWindow, int maxPublishers) {

    /** Sequences remembered per publisher by default. */
    public static final int DEFAULT_PUBLISHER_WINDOW = 1024;
    /** Publishers remembered by default. */
    public static final int DEFAULT_MAX_PUBLISHERS = 10_000;

    public QueueSettings {
        if (publisherWindow < 1 || maxPublishers < 1) {
            throw new IllegalArgumentException("publisherWindow and maxPublishers must be positive: "
                    + publisherWindow + ", " + maxPublishers);
        }
    }

    /** The default windows, with or without single active consumer. */
    public static QueueSettings defaults(boolean singleActiveConsumer) {
        return new QueueSettings(singleActiveConsumer, DEFAULT_PUBLISHER_WINDOW, DEFAULT_MAX_PUBLISHERS);
    }
}
