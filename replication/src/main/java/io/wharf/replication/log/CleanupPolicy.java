package io.wharf.replication.log;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kafka's {@code cleanup.policy}: what happens to a log's old records. {@code delete} removes
 * whole segments past {@code retention.ms} / {@code retention.bytes}; {@code compact} keeps the
 * latest record of every key ({@link LogCleaner}); both together do both.
 */
public enum CleanupPolicy {
    DELETE("delete"),
    COMPACT("compact"),
    COMPACT_DELETE("compact,delete");

    private final String configValue;

    CleanupPolicy(String configValue) {
        this.configValue = configValue;
    }

    /**
     * Parses a {@code cleanup.policy} value: {@code delete}, {@code compact}, or both separated by
     * a comma in either order (spaces ignored, case-insensitive).
     *
     * @throws IllegalArgumentException naming the value and what is allowed
     */
    public static CleanupPolicy parse(String value) {
        Set<String> parts = new TreeSet<>();
        for (String part : value.split(",", -1)) {
            parts.add(part.trim().toLowerCase(Locale.ROOT));
        }
        if (parts.equals(Set.of("delete"))) {
            return DELETE;
        }
        if (parts.equals(Set.of("compact"))) {
            return COMPACT;
        }
        if (parts.equals(Set.of("compact", "delete"))) {
            return COMPACT_DELETE;
        }
        throw new IllegalArgumentException("cleanup.policy is '" + value
                + "' but must be delete, compact, or compact,delete");
    }

    /** Whether the cleaner keeps only the latest record of each key. */
    public boolean compacts() {
        return this != DELETE;
    }

    /** Whether retention deletes old segments. */
    public boolean deletes() {
        return this != COMPACT;
    }

    /** The value as written in a config ({@code compact,delete} for both). */
    public String configValue() {
        return configValue;
    }
}
