package io.wharf.controller;

/** A controller configuration value that cannot be used; the message names the key and the fix. Immutable. */
public final class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /** @param key the offending configuration key; {@code problem} says what is wrong and what is expected */
    public InvalidConfigException(String key, String problem) {
        super("invalid controller config '" + key + "': " + problem);
        this.key = key;
    }

    /** The configuration key whose value is wrong. */
    public String key() {
        return key;
    }
}
