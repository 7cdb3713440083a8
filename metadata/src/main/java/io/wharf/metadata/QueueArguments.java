package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The x-arguments a queue may be declared with. Known keys are validated; the keys of features
 * Wharf does not have yet (TTLs, length limits, dead-lettering, priorities: issue #11) are refused
 * rather than silently ignored, since a client relying on them would lose messages or keep them
 * forever; any other key is kept as given, as RabbitMQ does. Stateless.
 */
public final class QueueArguments {

    public static final String QUEUE_TYPE = "x-queue-type";
    public static final String SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer";
    public static final String INITIAL_GROUP_SIZE = "x-quorum-initial-group-size";
    public static final String CONSUMER_TIMEOUT = "x-consumer-timeout";

    /** The largest x-quorum-initial-group-size, as RabbitMQ's quorum queues advise. */
    public static final int MAX_INITIAL_GROUP_SIZE = 7;
    /** The smallest x-consumer-timeout in milliseconds; less would time out consumers while they work. */
    public static final long MIN_CONSUMER_TIMEOUT_MS = 1000;

    /** Keys of RabbitMQ features Wharf does not support yet (they come with dead-lettering). */
    static final List<String> NOT_SUPPORTED_YET = List.of("x-message-ttl", "x-expires", "x-max-length",
            "x-max-length-bytes", "x-overflow", "x-dead-letter-exchange", "x-dead-letter-routing-key",
            "x-dead-letter-strategy", "x-delivery-limit", "x-max-priority", "x-queue-mode", "x-queue-leader-locator");

    private QueueArguments() {
    }

    /** An INVALID_ARGUMENT error naming the first bad key (in key order), its value and what is allowed; empty when all pass. */
    public static Optional<Error> validate(Map<String, String> arguments) {
        for (Map.Entry<String, String> entry : new TreeMap<>(arguments).entrySet()) {
            Optional<String> problem = problem(entry.getKey(), entry.getValue());
            if (problem.isPresent()) {
                return Optional.of(Errors.of(ErrorCode.INVALID_ARGUMENT, problem.get()));
            }
        }
        return Optional.empty();
    }

    /** x-single-active-consumer: only one consumer receives at a time, the others wait. False when unset. */
    public static boolean singleActiveConsumer(Map<String, String> arguments) {
        return Boolean.parseBoolean(arguments.getOrDefault(SINGLE_ACTIVE_CONSUMER, "false"));
    }

    /** x-consumer-timeout in milliseconds, empty when unset. */
    public static Optional<Long> consumerTimeoutMs(Map<String, String> arguments) {
        return Optional.ofNullable(arguments.get(CONSUMER_TIMEOUT)).map(Long::parseLong);
    }

    /** x-quorum-initial-group-size, empty when unset. */
    static Optional<Integer> initialGroupSize(Map<String, String> arguments) {
        return Optional.ofNullable(arguments.get(INITIAL_GROUP_SIZE)).map(Integer::parseInt);
    }

    private static Optional<String> problem(String key, String value) {
        if (NOT_SUPPORTED_YET.contains(key)) {
            return Optional.of("queue argument " + key + "=" + value + " is not supported yet (it comes with"
                    + " dead-lettering, issue #11); declare the queue without it");
        }
        return switch (key) {
            case QUEUE_TYPE -> value.equals("quorum") ? Optional.empty()
                    : Optional.of("queue argument " + QUEUE_TYPE + "=" + value + " is not allowed; Wharf queues are"
                            + " replicated like quorum queues, so use quorum or leave it out");
            case SINGLE_ACTIVE_CONSUMER -> value.equals("true") || value.equals("false") ? Optional.empty()
                    : Optional.of("queue argument " + SINGLE_ACTIVE_CONSUMER + "=" + value
                            + " is not allowed; use true or false");
            case INITIAL_GROUP_SIZE -> longInRange(key, value, 1, MAX_INITIAL_GROUP_SIZE,
                    "a whole number from 1 to " + MAX_INITIAL_GROUP_SIZE);
            case CONSUMER_TIMEOUT -> longInRange(key, value, MIN_CONSUMER_TIMEOUT_MS, Long.MAX_VALUE,
                    "a whole number of milliseconds >= " + MIN_CONSUMER_TIMEOUT_MS);
            default -> Optional.empty();
        };
    }

    private static Optional<String> longInRange(String key, String value, long min, long max, String allowed) {
        try {
            long parsed = Long.parseLong(value);
            if (parsed >= min && parsed <= max) {
                return Optional.empty();
            }
        } catch (NumberFormatException e) {
            // reported below like a value out of range
        }
        return Optional.of("queue argument " + key + "=" + value + " is not allowed; use " + allowed);
    }
}
