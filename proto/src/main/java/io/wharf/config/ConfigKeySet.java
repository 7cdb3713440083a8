package io.wharf.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every key of one configuration (the controller's, the broker's or a topic's) and the one parser
 * that turns its text values into typed ones. Immutable and thread-safe.
 *
 * <p>The rules, the same for every node kind:
 * <ul>
 * <li>A key not in the set is refused, unless it starts with the set's pass-through prefix (only
 *     the controller has one, {@code ratis.}): such a key is handed on verbatim, prefix removed,
 *     to the library that reads it.</li>
 * <li>A value is trimmed. In a node's file a blank value means "not set" (so {@code key=} in a
 *     template takes the default), unless the key refuses blanks; in a topic's configs, whose
 *     values are given one by one, a blank value is parsed like any other and is usually wrong.</li>
 * <li>A key not set takes its default; a required key not set is refused.</li>
 * <li>Keys are checked in definition order after the unknown keys, and the first problem is
 *     thrown as an {@link InvalidConfigException} naming the key, the value and what is
 *     allowed.</li>
 * </ul>
 */
public final class ConfigKeySet {

    private final String scope;
    private final Map<String, ConfigKey> keys;
    private final Optional<String> passThroughPrefix;
    private final boolean blankMeansUnset;

    private ConfigKeySet(String scope, List<ConfigKey> keys, Optional<String> passThroughPrefix,
            boolean blankMeansUnset) {
        this.scope = scope;
        Map<String, ConfigKey> byName = new LinkedHashMap<>();
        for (ConfigKey key : keys) {
            if (byName.put(key.name(), key) != null) {
                throw new IllegalArgumentException(scope + " config key " + key.name() + " is defined twice");
            }
            key.defaultValue().ifPresent(text -> parseValue(key, text));
        }
        this.keys = Collections.unmodifiableMap(byName);
        this.passThroughPrefix = passThroughPrefix;
        this.blankMeansUnset = blankMeansUnset;
    }

    /** The keys of a node kind's properties file, where a blank value means "not set". */
    public static ConfigKeySet forNode(String scope, List<ConfigKey> keys) {
        return new ConfigKeySet(scope, keys, Optional.empty(), true);
    }

    /**
     * The keys of a node kind's properties file, plus every key starting with {@code prefix},
     * which is passed on verbatim.
     */
    public static ConfigKeySet forNode(String scope, List<ConfigKey> keys, String passThroughPrefix) {
        return new ConfigKeySet(scope, keys, Optional.of(passThroughPrefix), true);
    }

    /** The keys of a topic's configs, where every given value is parsed, blank or not. */
    public static ConfigKeySet forTopic(List<ConfigKey> keys) {
        return new ConfigKeySet("topic", keys, Optional.empty(), false);
    }

    /** {@code broker}, {@code controller} or {@code topic}: whose configuration this is. */
    public String scope() {
        return scope;
    }

    /** Every key, in definition order. */
    public List<ConfigKey> keys() {
        return List.copyOf(keys.values());
    }

    /** The key named {@code name}, if it is in this set. */
    public Optional<ConfigKey> key(String name) {
        return Optional.ofNullable(keys.get(name));
    }

    /** The prefix of keys handed on verbatim, if this set has one. */
    public Optional<String> passThroughPrefix() {
        return passThroughPrefix;
    }

    /** Every key that has a default, with the default's text, sorted by key. */
    public SortedMap<String, String> defaults() {
        SortedMap<String, String> defaults = new TreeMap<>();
        keys.values().forEach(key -> key.defaultValue().ifPresent(value -> defaults.put(key.name(), value)));
        return Collections.unmodifiableSortedMap(defaults);
    }

    /**
     * Parses and checks {@code values}, refusing keys this set does not define.
     *
     * @throws InvalidConfigException naming the first key that is unknown, missing or malformed
     */
    public ParsedConfig parse(Map<String, String> values) {
        Map<String, String> passedThrough = new TreeMap<>();
        for (Map.Entry<String, String> entry : new TreeMap<>(values).entrySet()) {
            String name = entry.getKey();
            if (keys.containsKey(name)) {
                continue;
            }
            if (passThroughPrefix.isPresent() && name.startsWith(passThroughPrefix.get())) {
                String handedOn = name.substring(passThroughPrefix.get().length());
                if (handedOn.isEmpty()) {
                    throw invalid(name, "needs a key after the prefix " + passThroughPrefix.get());
                }
                passedThrough.put(handedOn, entry.getValue().trim());
                continue;
            }
            throw invalid(name, "unknown key (value '" + entry.getValue() + "'); known " + scope + " keys: "
                    + String.join(", ", keys.keySet())
                    + passThroughPrefix.map(prefix -> ", and any key starting with " + prefix).orElse(""));
        }
        return new ParsedConfig(this, parseKnown(values), passedThrough);
    }

    /**
     * Parses and checks the keys of {@code values} that this set defines, ignoring the others (for
     * a reader that gets this set's keys among others of its own).
     *
     * @throws InvalidConfigException naming the first key that is missing or malformed
     */
    public ParsedConfig parseIgnoringUnknown(Map<String, String> values) {
        return new ParsedConfig(this, parseKnown(values), Map.of());
    }

    /** An error about {@code key} of this set, for a check that involves more than one key. */
    public InvalidConfigException invalid(String key, String problem) {
        return new InvalidConfigException(scope, key, problem);
    }

    private Map<String, Object> parseKnown(Map<String, String> values) {
        Map<String, Object> parsed = new LinkedHashMap<>();
        for (ConfigKey key : keys.values()) {
            String text = values.get(key.name());
            if (text != null && text.isBlank() && blankMeansUnset) {
                if (key.blankRefused()) {
                    throw invalid(key.name(), "is blank" + allowedSuffix(key));
                }
                text = null;
            }
            if (text == null) {
                if (key.required()) {
                    throw invalid(key.name(), "is required" + allowedSuffix(key));
                }
                key.defaultValue().ifPresent(value -> parsed.put(key.name(), parseValue(key, value)));
            } else {
                parsed.put(key.name(), parseValue(key, text));
            }
        }
        return parsed;
    }

    private Object parseValue(ConfigKey key, String text) {
        String trimmed = text.trim();
        Object value = switch (key.type()) {
            case INT, LONG -> wholeNumber(key, trimmed);
            case DOUBLE -> decimal(key, trimmed);
            case BOOLEAN -> bool(key, trimmed);
            case STRING -> trimmed;
            case LIST -> List.of(trimmed.split(",", -1)).stream().map(String::strip).toList();
            case HOST_PORT_LIST -> List.of(trimmed.split(",")).stream().map(String::strip)
                    .filter(item -> !item.isEmpty()).toList();
        };
        Optional<String> problem = key.check().problem(value);
        if (problem.isPresent()) {
            throw invalid(key.name(), "'" + trimmed + "' " + problem.get() + allowedSuffix(key));
        }
        return value;
    }

    private Object wholeNumber(ConfigKey key, String text) {
        long value;
        try {
            value = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw invalid(key.name(), "'" + text + "' is not a whole number" + allowedSuffix(key));
        }
        if (key.type() == ConfigType.LONG) {
            return value;
        }
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw invalid(key.name(), "'" + text + "' is out of range" + allowedSuffix(key));
        }
        return (int) value;
    }

    private Object decimal(ConfigKey key, String text) {
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw invalid(key.name(), "'" + text + "' is not a decimal number" + allowedSuffix(key));
        }
    }

    private Object bool(ConfigKey key, String text) {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(key.name(), "'" + text + "' is not true or false");
        };
    }

    private static String allowedSuffix(ConfigKey key) {
        return key.allowed().isEmpty() ? "" : "; allowed: " + key.allowed();
    }

}
