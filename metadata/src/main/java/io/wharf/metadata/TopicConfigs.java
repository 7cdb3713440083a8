package io.wharf.metadata;

import io.wharf.config.InvalidConfigException;
import io.wharf.config.ParsedConfig;
import io.wharf.config.TopicConfigKeys;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The controller's view of topic configs: their effective values and the validation of a create or
 * alter. The keys, defaults and bounds are defined once in {@link TopicConfigKeys} (listed in
 * docs/configuration.md); this class adds the checks that involve the topic itself. Stateless.
 *
 * <p>The compaction keys mean what they mean in Kafka; the broker's log ({@code LogConfig} in
 * {@code replication}) reads them, and its cleaner acts only on topics whose policy includes compact.
 */
public final class TopicConfigs {

    private TopicConfigs() {
    }

    /** Every known key with its default value, sorted by key. */
    public static SortedMap<String, String> defaults() {
        return TopicConfigKeys.SET.defaults();
    }

    /** The effective value of {@code key}: the explicit one, else the default. */
    public static String effective(Map<String, String> explicit, String key) {
        String value = explicit.get(key);
        if (value != null) {
            return value;
        }
        String fallback = defaults().get(key);
        if (fallback == null) {
            throw new IllegalArgumentException("unknown topic config '" + key + "'; known: " + defaults().keySet());
        }
        return fallback;
    }

    /** The effective value of a numeric config ({@code key} must be one of the numeric keys). */
    public static long effectiveLong(Map<String, String> explicit, String key) {
        return Long.parseLong(effective(explicit, key).trim());
    }

    /** All known configs with explicit values overriding defaults, sorted by key. */
    public static SortedMap<String, String> withDefaults(Map<String, String> explicit) {
        SortedMap<String, String> all = new TreeMap<>(defaults());
        all.putAll(explicit);
        return Collections.unmodifiableSortedMap(all);
    }

    /**
     * An INVALID_CONFIG error naming the first bad key, its value and what is allowed (the message
     * of the {@link InvalidConfigException} every configuration reports), or empty when every entry
     * is a known key with a legal value for a topic with {@code replicationFactor} replicas. As in
     * Kafka, the effective min.compaction.lag.ms may not exceed the effective max.compaction.lag.ms.
     */
    public static Optional<Error> validate(Map<String, String> configs, int replicationFactor) {
        try {
            check(TopicConfigKeys.SET.parse(configs), replicationFactor);
            return Optional.empty();
        } catch (InvalidConfigException e) {
            return Optional.of(Errors.of(ErrorCode.INVALID_CONFIG, e.getMessage()));
        }
    }

    private static void check(ParsedConfig config, int replicationFactor) {
        int minInsync = config.intValue(TopicConfigKeys.MIN_INSYNC_REPLICAS);
        if (minInsync > Math.max(1, replicationFactor)) {
            throw config.invalid(TopicConfigKeys.MIN_INSYNC_REPLICAS, "'" + minInsync + "' is out of range; allowed: 1"
                    + " to the replication factor " + replicationFactor);
        }
        long minLag = config.longValue(TopicConfigKeys.MIN_COMPACTION_LAG_MS);
        long maxLag = config.longValue(TopicConfigKeys.MAX_COMPACTION_LAG_MS);
        if (minLag > maxLag) {
            throw config.invalid(TopicConfigKeys.MIN_COMPACTION_LAG_MS, "'" + minLag + "' is above "
                    + TopicConfigKeys.MAX_COMPACTION_LAG_MS.name() + " " + maxLag + "; allowed: at most "
                    + TopicConfigKeys.MAX_COMPACTION_LAG_MS.name());
        }
    }
}
