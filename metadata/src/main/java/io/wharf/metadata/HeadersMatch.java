package io.wharf.metadata;

import java.util.Map;
import java.util.Set;

/**
 * RabbitMQ's headers-exchange match of a binding's arguments against a message's headers. The
 * binding's {@code x-match} says how: {@code all} (the default) needs every argument to be a header
 * with an equal value, {@code any} at least one. Arguments starting "x-" are not compared unless
 * the mode is {@code all-with-x} or {@code any-with-x}; {@code x-match} itself never is. Values
 * compare as strings. Stateless.
 */
public final class HeadersMatch {

    /** The binding argument that chooses the mode. */
    public static final String MODE_KEY = "x-match";

    private static final Set<String> MODES = Set.of("all", "any", "all-with-x", "any-with-x");

    private HeadersMatch() {
    }

    /** True when {@code mode} is a legal x-match value. */
    public static boolean isValidMode(String mode) {
        return MODES.contains(mode);
    }

    /** True when a message with {@code headers} matches a binding with {@code arguments}. */
    public static boolean matches(Map<String, String> arguments, Map<String, String> headers) {
        String mode = arguments.getOrDefault(MODE_KEY, "all");
        boolean any = mode.startsWith("any");
        boolean withX = mode.endsWith("-with-x");
        for (Map.Entry<String, String> argument : arguments.entrySet()) {
            String key = argument.getKey();
            if (key.equals(MODE_KEY) || (!withX && key.startsWith("x-"))) {
                continue;
            }
            boolean matched = argument.getValue().equals(headers.get(key));
            if (any && matched) {
                return true;
            }
            if (!any && !matched) {
                return false;
            }
        }
        // all: every compared argument matched (also when there were none, as in RabbitMQ); any: none did
        return !any;
    }
}
