package io.wharf.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The typed values of one parsed configuration: every key given or defaulted, and the keys handed
 * on verbatim. Immutable. Asking for a key of another set or of another type is a programming error
 * ({@link IllegalStateException}).
 */
public final class ParsedConfig {

    private final ConfigKeySet keys;
    private final Map<String, Object> values;
    private final Map<String, String> passedThrough;

    ParsedConfig(ConfigKeySet keys, Map<String, Object> values, Map<String, String> passedThrough) {
        this.keys = keys;
        this.values = Map.copyOf(values);
        this.passedThrough = Map.copyOf(passedThrough);
    }

    /** The value of an {@link ConfigType#INT} key that is given, defaulted or required. */
    public int intValue(ConfigKey key) {
        return (Integer) value(key, ConfigType.INT);
    }

    /** The value of a {@link ConfigType#LONG} key that is given, defaulted or required. */
    public long longValue(ConfigKey key) {
        return (Long) value(key, ConfigType.LONG);
    }

    /** The value of a {@link ConfigType#DOUBLE} key that is given or defaulted. */
    public double doubleValue(ConfigKey key) {
        return (Double) value(key, ConfigType.DOUBLE);
    }

    /** The value of a {@link ConfigType#BOOLEAN} key that is given or defaulted. */
    public boolean booleanValue(ConfigKey key) {
        return (Boolean) value(key, ConfigType.BOOLEAN);
    }

    /** The value of a {@link ConfigType#STRING} key that is given, defaulted or required. */
    public String stringValue(ConfigKey key) {
        return (String) value(key, ConfigType.STRING);
    }

    /** The items of a {@link ConfigType#LIST} or {@link ConfigType#HOST_PORT_LIST} key. */
    @SuppressWarnings("unchecked")
    public List<String> listValue(ConfigKey key) {
        return (List<String>) value(key, key.type() == ConfigType.LIST ? ConfigType.LIST : ConfigType.HOST_PORT_LIST);
    }

    /** The value of a key without a default, if it was given (its type as in the getters above). */
    public Optional<Object> optional(ConfigKey key) {
        owned(key);
        return Optional.ofNullable(values.get(key.name()));
    }

    /** Keys given with the set's pass-through prefix, prefix removed, with their trimmed values. */
    public Map<String, String> passedThrough() {
        return passedThrough;
    }

    /** An error about {@code key}, for a check that involves more than one key. */
    public InvalidConfigException invalid(ConfigKey key, String problem) {
        return keys.invalid(key.name(), problem);
    }

    private Object value(ConfigKey key, ConfigType type) {
        owned(key);
        if (key.type() != type) {
            throw new IllegalStateException(key.name() + " is a " + key.type() + ", not a " + type);
        }
        Object value = values.get(key.name());
        if (value == null) {
            throw new IllegalStateException(key.name() + " has no default; read it with optional()");
        }
        return value;
    }

    private void owned(ConfigKey key) {
        if (keys.key(key.name()).orElse(null) != key) {
            throw new IllegalStateException(key.name() + " is not a " + keys.scope() + " config key");
        }
    }
}
