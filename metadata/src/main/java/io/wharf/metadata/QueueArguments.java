package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The x-arguments a queue may be declared with. Known keys are validated; the keys of features
 * Wharf does not have yet (queue expiry, priorities, lazy mode, leader locators, at-most-once
 * dead-lettering) are refused rather than silently ignored, since a client relying on them would
 * lose messages or keep them forever; any other key is kept as given, as RabbitMQ does. Stateless.
 */
public final class QueueArguments {

    public static final String QUEUE_TYPE = "x-queue-type";
    public static final String SINGLE_ACTIVE_CONSUMER = "x-single-active-consumer";
    public static final String INITIAL_GROUP_SIZE = "x-quorum-initial-group-size";
    public static final String CONSUMER_TIMEOUT = "x-consumer-timeout";
    public static final String DEAD_LETTER_EXCHANGE = "x-dead-letter-exchange";
    public static final String DEAD_LETTER_ROUTING_KEY = "x-dead-letter-routing-key";
    public static final String DEAD_LETTER_STRATEGY = "x-dead-letter-strategy";
    public static final String MESSAGE_TTL = "x-message-ttl";
    public static final String MAX_LENGTH = "x-max-length";
    public static final String MAX_LENGTH_BYTES = "x-max-length-bytes";
    public static final String OVERFLOW = "x-overflow";
    public static final String DELIVERY_LIMIT = "x-delivery-limit";

    /** The largest x-quorum-initial-group-size, as RabbitMQ's quorum queues advise. */
    public static final int MAX_INITIAL_GROUP_SIZE = 7;
    /** The smallest x-consumer-timeout in milliseconds; less would time out consumers while they work. */
    public static final long MIN_CONSUMER_TIMEOUT_MS = 1000;
    /** RabbitMQ 4's x-delivery-limit of quorum queues when unset. */
    public static final int DEFAULT_DELIVERY_LIMIT = 20;
    /** The longest routing key (AMQP's short string). */
    public static final int MAX_ROUTING_KEY_LENGTH = 255;

    /** Keys of RabbitMQ features Wharf does not support yet (issue #11). */
    static final List<String> NOT_SUPPORTED_YET = List.of("x-expires", "x-max-priority", "x-queue-mode",
            "x-queue-leader-locator");

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
        if (arguments.containsKey(DEAD_LETTER_ROUTING_KEY) && !arguments.containsKey(DEAD_LETTER_EXCHANGE)) {
            // RabbitMQ refuses it too: the routing key would silently do nothing.
            return Optional.of(Errors.of(ErrorCode.INVALID_ARGUMENT, "queue argument " + DEAD_LETTER_ROUTING_KEY
                    + "=" + arguments.get(DEAD_LETTER_ROUTING_KEY) + " is not allowed without "
                    + DEAD_LETTER_EXCHANGE + "; set the dead-letter exchange too or leave the routing key out"));
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
            return Optional.of("queue argument " + key + "=" + value + " is not supported yet (issue #11);"
                    + " declare the queue without it");
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
            case DEAD_LETTER_EXCHANGE -> ExchangeNames.validate(value).isEmpty() ? Optional.empty()
                    : Optional.of("queue argument " + key + "=" + value + " is not allowed; use an exchange name"
                            + " of at most " + ExchangeNames.MAX_LENGTH + " characters of [a-zA-Z0-9._:-]"
                            + " (\"\" is the default exchange; it need not exist yet)");
            case DEAD_LETTER_ROUTING_KEY -> value.length() <= MAX_ROUTING_KEY_LENGTH ? Optional.empty()
                    : Optional.of("queue argument " + key + "=" + value + " is not allowed; use a routing key"
                            + " of at most " + MAX_ROUTING_KEY_LENGTH + " characters");
            case DEAD_LETTER_STRATEGY -> value.equals("at-least-once") ? Optional.empty()
                    : Optional.of("queue argument " + key + "=" + value + " is not allowed; Wharf dead-letters"
                            + " at least once only, so use at-least-once or leave it out");
            case MESSAGE_TTL -> longInRange(key, value, 0, Long.MAX_VALUE, "a whole number of milliseconds >= 0");
            case MAX_LENGTH -> longInRange(key, value, 0, Long.MAX_VALUE, "a whole number of messages >= 0");
            case MAX_LENGTH_BYTES -> longInRange(key, value, 0, Long.MAX_VALUE, "a whole number of body bytes >= 0");
            case OVERFLOW -> switch (value) {
                case "drop-head", "reject-publish" -> Optional.empty();
                case "reject-publish-dlx" -> Optional.of("queue argument " + key + "=" + value + " is not allowed;"
                        + " as with RabbitMQ's quorum queues, use drop-head (the default) or reject-publish");
                default -> Optional.of("queue argument " + key + "=" + value
                        + " is not allowed; use drop-head (the default) or reject-publish");
            };
            case DELIVERY_LIMIT -> longInRange(key, value, -1, Integer.MAX_VALUE,
                    "a whole number of failed deliveries >= 0, or -1 for unlimited (default "
                            + DEFAULT_DELIVERY_LIMIT + ")");
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
