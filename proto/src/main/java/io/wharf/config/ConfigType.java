package io.wharf.config;

/** The type of a configuration key's value, which decides how its text is parsed. Immutable. */
public enum ConfigType {
    /** A whole number that fits in 32 bits; parsed to {@link Integer}. */
    INT("int"),
    /** A whole number that fits in 64 bits; parsed to {@link Long}. */
    LONG("long"),
    /** A decimal number; parsed to {@link Double}. */
    DOUBLE("double"),
    /** {@code true} or {@code false}, in any case; parsed to {@link Boolean}. */
    BOOLEAN("boolean"),
    /** Text, trimmed; parsed to {@link String}. */
    STRING("string"),
    /** Comma-separated items, each trimmed; parsed to a {@code List<String>}. */
    LIST("list"),
    /** Comma-separated {@code host:port} endpoints, blanks between commas ignored; a {@code List<String>}. */
    HOST_PORT_LIST("host:port list");

    private final String displayName;

    ConfigType(String displayName) {
        this.displayName = displayName;
    }

    /** How the type is written in docs/configuration.md. */
    public String displayName() {
        return displayName;
    }
}
