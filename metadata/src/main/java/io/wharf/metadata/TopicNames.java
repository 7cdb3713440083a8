package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Optional;

/** Kafka's rule for topic names: 1–249 characters of {@code [a-zA-Z0-9._-]}, not "." or "..". Stateless. */
public final class TopicNames {

    /** The longest legal topic name. */
    public static final int MAX_LENGTH = 249;

    private TopicNames() {
    }

    /** True when {@code name} is a legal topic name. */
    public static boolean isValid(String name) {
        return validate(name).isEmpty();
    }

    /** An INVALID_TOPIC_NAME error naming what is wrong with {@code name}, or empty when it is legal. */
    public static Optional<Error> validate(String name) {
        if (name == null || name.isEmpty()) {
            return invalid("topic name is empty; use 1 to " + MAX_LENGTH + " characters of [a-zA-Z0-9._-]");
        }
        if (name.length() > MAX_LENGTH) {
            return invalid("topic name '" + abbreviate(name) + "' is " + name.length()
                    + " characters long; at most " + MAX_LENGTH + " are allowed");
        }
        if (name.equals(".") || name.equals("..")) {
            return invalid("topic name '" + name + "' is not allowed; '.' and '..' are reserved");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLegal(c)) {
                return invalid("topic name '" + name + "' contains the illegal character '" + c
                        + "' at index " + i + "; use only [a-zA-Z0-9._-]");
            }
        }
        return Optional.empty();
    }

    private static boolean isLegal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }

    private static String abbreviate(String name) {
        return name.substring(0, 20) + "...";
    }

    private static Optional<Error> invalid(String message) {
        return Optional.of(Errors.of(ErrorCode.INVALID_TOPIC_NAME, message));
    }
}
