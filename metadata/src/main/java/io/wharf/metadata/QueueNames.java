package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Optional;

/**
 * The rule for queue names and for the internal topic holding a queue's log. Queue names are
 * 1–200 characters of {@code [a-zA-Z0-9._-]}, so that {@code "__queue." + name} is always a legal
 * topic name (at most 208 of Kafka's 249 characters). Stateless.
 */
public final class QueueNames {

    /** The longest legal queue name. */
    public static final int MAX_LENGTH = 200;
    /** Every queue log's topic name starts with this; clients cannot create, alter or delete such topics. */
    public static final String TOPIC_PREFIX = "__queue.";

    private QueueNames() {
    }

    /** The topic holding the log of queue {@code queue}. */
    public static String topicFor(String queue) {
        return TOPIC_PREFIX + queue;
    }

    /** The queue whose log {@code topic} is, empty when it is not a queue's topic. */
    public static Optional<String> queueOf(String topic) {
        return isQueueTopic(topic) ? Optional.of(topic.substring(TOPIC_PREFIX.length())) : Optional.empty();
    }

    /** True when {@code topic} has the name reserved for queue logs. */
    public static boolean isQueueTopic(String topic) {
        return topic.startsWith(TOPIC_PREFIX);
    }

    /** An INVALID_NAME error naming what is wrong with {@code name}, or empty when it is legal. */
    public static Optional<Error> validate(String name) {
        if (name.isEmpty()) {
            return invalid("queue name is empty; use 1 to " + MAX_LENGTH + " characters of [a-zA-Z0-9._-]");
        }
        if (name.length() > MAX_LENGTH) {
            return invalid("queue name '" + name.substring(0, 20) + "...' is " + name.length()
                    + " characters long; at most " + MAX_LENGTH + " of [a-zA-Z0-9._-] are allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLegal(c)) {
                return invalid("queue name '" + name + "' contains the illegal character '" + c + "' at index " + i
                        + "; use 1 to " + MAX_LENGTH + " characters of [a-zA-Z0-9._-]");
            }
        }
        return Optional.empty();
    }

    private static boolean isLegal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }

    private static Optional<Error> invalid(String message) {
        return Optional.of(Errors.of(ErrorCode.INVALID_NAME, message));
    }
}
