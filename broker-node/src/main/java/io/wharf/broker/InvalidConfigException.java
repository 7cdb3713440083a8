package io.wharf.broker;

/**
 * A broker configuration value that is missing or malformed; {@link #key()} names the key to fix.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private final String key;

    public InvalidConfigException(String key, String problem) {
        super("invalid broker config '" + key + "': " + problem);
        this.key = key;
    }

    /** The configuration key whose value is wrong. */
    public String key() {
        return key;
    }
}
