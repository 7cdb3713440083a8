package io.wharf.client.dlq;

/**
 * What {@link RetryThenDeadLetter} needs of one kind of message — a topic record or a queue
 * delivery: its ordering key, the application's work on it, and the writes that set it apart.
 *
 * @param <M> the message type
 */
interface MessageKind<M> {

    /** The key ordered mode keeps in order, or null when the message has none. */
    byte[] key(M message);

    /** Whether the message's key is blocked, as far as the blocked keys were read. Only asked in ordered mode for keyed messages. */
    boolean isBlocked(M message);

    /** The application's work; throwing means the attempt failed. */
    void process(M message) throws Exception;

    /** Blocks the message's key and returns once that is durable. */
    void block(M message, String cause) throws Exception;

    /** Publishes the message's dead letter and returns once it is acknowledged. */
    void publishDeadLetter(M message, Decision.DeadLetter decision) throws Exception;

    /** Names the message in errors, e.g. {@code orders-0@41}. */
    String describe(M message);
}
