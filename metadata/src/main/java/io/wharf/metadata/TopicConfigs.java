package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The topic configs Wharf knows, with their defaults and validation. Stateless.
 *
 * <table>
 * <caption>Topic configs</caption>
 * <tr><th>key</th><th>default</th><th>allowed</th></tr>
 * <tr><td>retention.ms</td><td>604800000 (7 days)</td><td>-1 (keep forever) or &gt;= 0</td></tr>
 * <tr><td>retention.bytes</td><td>-1 (no size limit)</td><td>-1 or &gt;= 0</td></tr>
 * <tr><td>min.insync.replicas</td><td>1</td><td>1 .. the topic's replication factor</td></tr>
 * <tr><td>segment.bytes</td><td>1073741824 (1 GiB)</td><td>128 .. 2147483647 (the log's own minimum)</td></tr>
 * <tr><td>segment.ms</td><td>604800000 (7 days)</td><td>&gt;= 1</td></tr>
 * <tr><td>max.message.bytes</td><td>1048588</td><td>0 .. 2147483647</td></tr>
 * <tr><td>cleanup.policy</td><td>delete</td><td>delete, compact, or compact,delete (either order)</td></tr>
 * <tr><td>min.cleanable.dirty.ratio</td><td>0.5</td><td>a decimal from 0 to 1</td></tr>
 * <tr><td>min.compaction.lag.ms</td><td>0</td><td>&gt;= 0, at most max.compaction.lag.ms</td></tr>
 * <tr><td>max.compaction.lag.ms</td><td>9223372036854775807</td><td>&gt;= 1</td></tr>
 * <tr><td>delete.retention.ms</td><td>86400000 (1 day)</td><td>&gt;= 0</td></tr>
 * </table>
 *
 * <p>The compaction keys mean what they mean in Kafka; the broker's log ({@code LogConfig} in
 * {@code replication}) reads them, and its cleaner acts only on topics whose policy includes compact.
 */
public final class TopicConfigs {

    public static final String RETENTION_MS = "retention.ms";
    public static final String RETENTION_BYTES = "retention.bytes";
    public static final String MIN_INSYNC_REPLICAS = "min.insync.replicas";
    public static final String SEGMENT_BYTES = "segment.bytes";
    public static final String SEGMENT_MS = "segment.ms";
    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String CLEANUP_POLICY = "cleanup.policy";
    public static final String MIN_CLEANABLE_DIRTY_RATIO = "min.cleanable.dirty.ratio";
    public static final String MIN_COMPACTION_LAG_MS = "min.compaction.lag.ms";
    public static final String MAX_COMPACTION_LAG_MS = "max.compaction.lag.ms";
    public static final String DELETE_RETENTION_MS = "delete.retention.ms";

    /** The values {@code cleanup.policy} may list, alone or both, comma-separated. */
    private static final Set<String> CLEANUP_POLICIES = Set.of("delete", "compact");

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
        defaults.put(MIN_CLEANABLE_DIRTY_RATIO, "0.5");
        defaults.put(MIN_COMPACTION_LAG_MS, "0");
        defaults.put(MAX_COMPACTION_LAG_MS, Long.toString(Long.MAX_VALUE));
        defaults.put(DELETE_RETENTION_MS, "86400000");
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
     * {@code replicationFactor} replicas. As in Kafka, the effective min.compaction.lag.ms may not
     * exceed the effective max.compaction.lag.ms.
     */
    public static Optional<Error> validate(Map<String, String> configs, int replicationFactor) {
        for (Map.Entry<String, String> entry : new TreeMap<>(configs).entrySet()) {
            Optional<String> problem = problem(entry.getKey(), entry.getValue(), replicationFactor);
            if (problem.isPresent()) {
                return Optional.of(Errors.of(ErrorCode.INVALID_CONFIG, problem.get()));
            }
        }
        long minLag = effectiveLong(configs, MIN_COMPACTION_LAG_MS);
        long maxLag = effectiveLong(configs, MAX_COMPACTION_LAG_MS);
        if (minLag > maxLag) {
            return Optional.of(Errors.of(ErrorCode.INVALID_CONFIG, "config " + MIN_COMPACTION_LAG_MS + " has the value "
                    + minLag + ", which is above " + MAX_COMPACTION_LAG_MS + " " + maxLag + "; allowed: a "
                    + MIN_COMPACTION_LAG_MS + " at most " + MAX_COMPACTION_LAG_MS));
        }
        return Optional.empty();
    }

    private static Optional<String> problem(String key, String value, int replicationFactor) {
        switch (key) {
            case RETENTION_MS:
            case RETENTION_BYTES:
                return longInRange(key, value, -1, Long.MAX_VALUE, "-1 (unlimited) or a number >= 0");
            case SEGMENT_MS:
            case MAX_COMPACTION_LAG_MS:
                return longInRange(key, value, 1, Long.MAX_VALUE, "a number >= 1");
            case MIN_COMPACTION_LAG_MS:
            case DELETE_RETENTION_MS:
                return longInRange(key, value, 0, Long.MAX_VALUE, "a number >= 0");
            case MIN_CLEANABLE_DIRTY_RATIO:
                return ratio(key, value);
            case SEGMENT_BYTES:
                // the brokers' logs take no smaller segment (LogConfig): a smaller one would be accepted
                // here and then refused by every replica
                return longInRange(key, value, 128, Integer.MAX_VALUE, "a number from 128 to " + Integer.MAX_VALUE);
            case MAX_MESSAGE_BYTES:
                return longInRange(key, value, 0, Integer.MAX_VALUE, "a number from 0 to " + Integer.MAX_VALUE);
            case MIN_INSYNC_REPLICAS:
                return longInRange(key, value, 1, Math.max(1, replicationFactor),
                        "a number from 1 to the replication factor " + replicationFactor);
            case CLEANUP_POLICY:
                return cleanupPolicy(key, value);
            default:
                return Optional.of("unknown topic config '" + key + "' (value '" + value + "'); known configs: "
                        + String.join(", ", DEFAULTS.keySet()));
        }
    }

    /**
     * Kafka's list syntax: {@code delete}, {@code compact}, or both comma-separated in either
     * order, spaces around each ignored; each at most once.
     */
    private static Optional<String> cleanupPolicy(String key, String value) {
        List<String> parts = List.of(value.split(",", -1)).stream().map(String::strip).toList();
        Set<String> distinct = new TreeSet<>(parts);
        if (distinct.size() == parts.size() && CLEANUP_POLICIES.containsAll(distinct)) {
            return Optional.empty();
        }
        return Optional.of("config " + key + " has the value '" + value
                + "'; allowed: delete, compact, or both as compact,delete (either order)");
    }

    private static Optional<String> ratio(String key, String value) {
        double parsed;
        try {
            parsed = Double.parseDouble(value);
        } catch (NumberFormatException e) {
            return Optional.of("config " + key + " has the value '" + value
                    + "', which is not a decimal number; allowed: a decimal from 0 to 1, e.g. 0.5");
        }
        // Written this way so that NaN is refused too.
        if (!(parsed >= 0 && parsed <= 1)) {
            return Optional.of("config " + key + " has the value '" + value
                    + "', which is out of range; allowed: a decimal from 0 to 1, e.g. 0.5");
        }
        return Optional.empty();
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
