package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The topic configs Wharf knows, with their defaults and validation. Stateless.
 *
 * <table>
 * <caption>Topic configs</caption>
 * <tr><th>key</th><th>default</th><th>allowed</th></tr>
 * <tr><td>retention.ms</td><td>604800000 (7 days)</td><td>-1 (keep forever) or &gt;= 0</td></tr>
 * <tr><td>retention.bytes</td><td>-1 (no size limit)</td><td>-1 or &gt;= 0</td></tr>
 * <tr><td>min.insync.replicas</td><td>1</td><td>1 .. the topic's replication factor</td></tr>
 * <tr><td>segment.bytes</td><td>1073741824 (1 GiB)</td><td>14 .. 2147483647</td></tr>
 * <tr><td>segment.ms</td><td>604800000 (7 days)</td><td>&gt;= 1</td></tr>
 * <tr><td>max.message.bytes</td><td>1048588</td><td>0 .. 2147483647</td></tr>
 * <tr><td>cleanup.policy</td><td>delete</td><td>delete</td></tr>
 * </table>
 */
public final class TopicConfigs {

    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String CLEANUP_POLICY = "cleanup.policy";

    private static final SortedMap<String, String> DEFAULTS;

    static {
        SortedMap<String, String> defaults = new TreeMap<>();
        defaults.put(RETENTION_MS, "604800000");
        defaults.put(RETENTION_BYTES, "-1");
        defaults.put(MIN_INSYNC_REPLICAS, "1");
        defaults.put(SEGMENT_BYTES, "1073741824");
        defaults.put(SEGMENT_MS, "604800000");
        defaults.put(MAX_MESSAGE_BYTES, "1048588");
        defaults.put(CLEANUP_POLICY, "delete");
        DEFAULTS = Collections.unmodifiableSortedMap(defaults);
    }

    private TopicConfigs() {
    }

    /** Every known key with its default value, sorted by key. */
    public static SortedMap<String, String> defaults() {
        return DEFAULTS;
    }

    /** The effective value of {@code key}: the explicit one, else the default. */
    public static String effective(Map<String, String> explicit, String key) {
        String value = explicit.get(key);
        if (value != null) {
            return value;
        }
        String fallback = DEFAULTS.get(key);
        if (fallback == null) {
            throw new IllegalArgumentException("unknown topic config '" + key + "'; known: " + DEFAULTS.keySet());
        }
        return fallback;
    }

    /** The effective value of a numeric config ({@code key} must be one of the numeric keys). */
    public static long effectiveLong(Map<String, String> explicit, String key) {
        return Long.parseLong(effective(explicit, key));
    }

    /** All known configs with explicit values overriding defaults, sorted by key. */
    public static SortedMap<String, String> withDefaults(Map<String, String> explicit) {
        SortedMap<String, String> all = new TreeMap<>(DEFAULTS);
        all.putAll(explicit);
        return Collections.unmodifiableSortedMap(all);
    }

    /**
     * An INVALID_CONFIG error naming the first bad key (in key order), its value and what is
     * allowed, or empty when every entry is a known key with a legal value for a topic with
     * {@code replicationFactor} replicas.
     */
    public static Optional<Error> validate(Map<String, String> configs, int replicationFactor) {
        for (Map.Entry<String, String> entry : new TreeMap<>(configs).entrySet()) {
            Optional<String> problem = problem(entry.getKey(), entry.getValue(), replicationFactor);
            if (problem.isPresent()) {
                return Optional.of(Errors.of(ErrorCode.INVALID_CONFIG, problem.get()));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> problem(String key, String value, int replicationFactor) {
        switch (key) {
            case RETENTION_MS:
            case RETENTION_BYTES:
                return longInRange(key, value, -1, Long.MAX_VALUE, "-1 (unlimited) or a number >= 0");
            case SEGMENT_MS:
                return longInRange(key, value, 1, Long.MAX_VALUE, "a number >= 1");
            case SEGMENT_BYTES:
                return longInRange(key, value, 14, Integer.MAX_VALUE, "a number from 14 to " + Integer.MAX_VALUE);
            case MAX_MESSAGE_BYTES:
                return longInRange(key, value, 0, Integer.MAX_VALUE, "a number from 0 to " + Integer.MAX_VALUE);
            case MIN_INSYNC_REPLICAS:
                return longInRange(key, value, 1, Math.max(1, replicationFactor),
                        "a number from 1 to the replication factor " + replicationFactor);
            case CLEANUP_POLICY:
                return "delete".equals(value) ? Optional.empty()
                        : Optional.of("config " + key + " has the value '" + value + "'; allowed: delete");
            default:
                return Optional.of("unknown topic config '" + key + "' (value '" + value + "'); known configs: "
                        + String.join(", ", DEFAULTS.keySet()));
        }
    }

    private static Optional<String> longInRange(String key, String value, long min, long max, String allowed) {
        long parsed;
        try {
            parsed = Long.parseLong(value);
        } catch (NumberFormatException e) {
            return Optional.of("config " + key + " has the value '" + value + "', which is not a whole number; allowed: "
                    + allowed);
        }
        if (parsed < min || parsed > max) {
            return Optional.of("config " + key + " has the value " + value + ", which is out of range; allowed: "
                    + allowed);
        }
        return Optional.empty();
    }
}
