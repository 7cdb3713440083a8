package io.wharf.config;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a parsed value must satisfy beyond its type, with the words docs/configuration.md and error
 * messages use for it ("1 to 65535"). Implementations are immutable and stateless.
 */
public interface ConfigCheck {

    /** Why {@code value} (already of the key's type) is not allowed, or empty when it is. */
    Optional<String> problem(Object value);

    /** What is allowed, e.g. {@code -1 to 65535}; empty when any value of the type is. */
    String allowed();

    /** Any value of the key's type. */
    static ConfigCheck any() {
        return of("", value -> Optional.empty());
    }

    /** A check written as a description and a function from value to problem. */
    static ConfigCheck of(String allowed, Function<Object, Optional<String>> problem) {
        return new ConfigCheck() {
            @Override
            public Optional<String> problem(Object value) {
                return problem.apply(value);
            }

            @Override
            public String allowed() {
                return allowed;
            }
        };
    }

    /**
     * Any value of the key's type, with {@code allowed} describing its format: for a format the
     * node parses itself, naming the key in its messages (such as the controller's voter list).
     */
    static ConfigCheck format(String allowed) {
        return of(allowed, value -> Optional.empty());
    }

    /** A whole number from {@code min} to {@code max}, both included. */
    static ConfigCheck between(long min, long max) {
        return of(min + " to " + max, value -> {
            long number = ((Number) value).longValue();
            return number < min || number > max ? Optional.of("is out of range") : Optional.empty();
        });
    }

    /** A whole number of at least {@code min}, up to the type's largest. */
    static ConfigCheck atLeast(long min, ConfigType type) {
        return between(min, type == ConfigType.INT ? Integer.MAX_VALUE : Long.MAX_VALUE);
    }

    /** A decimal from {@code min} to {@code max}, both included; NaN is refused. */
    static ConfigCheck between(double min, double max) {
        return of("a decimal from " + min + " to " + max, value -> {
            double number = (Double) value;
            // Written this way so that NaN is refused too.
            return number >= min && number <= max ? Optional.empty() : Optional.of("is out of range");
        });
    }

    /** Text that is one of {@code choices}, in any case. */
    static ConfigCheck oneOf(String... choices) {
        List<String> allowed = List.of(choices);
        return of(String.join(" or ", allowed), value -> allowed.contains(((String) value).toLowerCase(Locale.ROOT))
                ? Optional.empty() : Optional.of("is not one of the choices"));
    }

    /** A list of one or more of {@code choices} (exact case), each at most once, in any order. */
    static ConfigCheck distinctItemsOf(String... choices) {
        Set<String> allowed = Set.of(choices);
        return of("one or more of " + String.join(", ", choices) + ", comma-separated, each once", value -> {
            List<?> items = (List<?>) value;
            Set<Object> distinct = new TreeSet<>();
            for (Object item : items) {
                if (!allowed.contains(item) || !distinct.add(item)) {
                    return Optional.of("is not a list of distinct choices");
                }
            }
            return items.isEmpty() ? Optional.of("is empty") : Optional.empty();
        });
    }
}
