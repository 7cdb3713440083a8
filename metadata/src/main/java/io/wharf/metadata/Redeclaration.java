package io.wharf.metadata;

import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Compares the arguments of a redeclared exchange or queue with the existing ones, for the
 * PRECONDITION_FAILED message that names the first key (in key order) that differs. Stateless.
 */
final class Redeclaration {

    private Redeclaration() {
    }

    /** "key=existing, not requested" for the first key that differs, empty when the maps are equal. */
    static Optional<String> firstDifference(Map<String, String> existing, Map<String, String> requested) {
        TreeSet<String> keys = new TreeSet<>(existing.keySet());
        keys.addAll(requested.keySet());
        for (String key : keys) {
            String was = existing.get(key);
            String now = requested.get(key);
            if (was == null || !was.equals(now)) {
                return Optional.of(key + "=" + shown(was) + ", not " + shown(now));
            }
        }
        return Optional.empty();
    }

    private static String shown(String value) {
        return value == null ? "(unset)" : value;
    }
}
