package io.wharf.config;

/**
 * A configuration value that cannot be used, on any node kind or topic: the message always reads
 * {@code invalid <scope> config '<key>': <problem>}, where the problem names the value and what is
 * allowed. Immutable.
 */
public final class InvalidConfigException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String scope;
    private final String key;

    /**
     * @param scope whose configuration it is: {@code broker}, {@code controller} or {@code topic}
     * @param key the offending key
     * @param problem what is wrong with the value and what is expected instead
     */
    public InvalidConfigException(String scope, String key, String problem) {
        super("invalid " + scope + " config '" + key + "': " + problem);
        this.scope = scope;
        this.key = key;
    }

    /** Whose configuration it is: {@code broker}, {@code controller} or {@code topic}. */
    public String scope() {
        return scope;
    }

    /** The configuration key whose value is wrong. */
    public String key() {
        return key;
    }
}
