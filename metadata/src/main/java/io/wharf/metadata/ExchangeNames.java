package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import java.util.Optional;

/**
 * The rule for exchange names: 0–255 characters of {@code [a-zA-Z0-9._:-]}, where "" is only the
 * default exchange. Names starting "amq." are the broker's (RabbitMQ's rule). Stateless.
 */
public final class ExchangeNames {

    /** The longest legal exchange name (AMQP's short string). */
    public static final int MAX_LENGTH = 255;
    /** Clients cannot declare exchanges whose names start with this. */
    public static final String RESERVED_PREFIX = "amq.";

    private ExchangeNames() {
    }

    /** An INVALID_NAME error naming what is wrong with {@code name}, or empty when it is legal. */
    public static Optional<Error> validate(String name) {
        if (name.length() > MAX_LENGTH) {
            return invalid("exchange name '" + name.substring(0, 20) + "...' is " + name.length()
                    + " characters long; at most " + MAX_LENGTH + " of [a-zA-Z0-9._:-] are allowed");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isLegal(c)) {
                return invalid("exchange name '" + name + "' contains the illegal character '" + c + "' at index "
                        + i + "; use at most " + MAX_LENGTH + " characters of [a-zA-Z0-9._:-]");
            }
        }
        return Optional.empty();
    }

    /** True when {@code name} is in the broker's namespace (amq.*). */
    public static boolean isReserved(String name) {
        return name.startsWith(RESERVED_PREFIX);
    }

    private static boolean isLegal(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == ':' || c == '-';
    }

    private static Optional<Error> invalid(String message) {
        return Optional.of(Errors.of(ErrorCode.INVALID_NAME, message));
    }
}
