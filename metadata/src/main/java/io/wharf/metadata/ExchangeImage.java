package io.wharf.metadata;

import io.wharf.proto.common.ExchangeType;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One exchange in a {@link MetadataImage}: declared by a client (an {@code ExchangeRecord}) or
 * built in ({@link BuiltinExchanges}, which have no record). Immutable.
 *
 * @param name      the exchange name; "" is the default exchange
 * @param type      how it matches bindings against a message
 * @param internal  clients cannot publish to it; only other exchanges route to it
 * @param arguments as declared, sorted by key (alternate-exchange, and any others kept as given)
 * @param builtin   "" and amq.*: never declared by a client, never deleted
 */
public record ExchangeImage(String name, ExchangeType type, boolean internal, Map<String, String> arguments,
                            boolean builtin) {

    /** The argument naming the exchange that takes messages this one routes nowhere. */
    public static final String ALTERNATE_EXCHANGE = "alternate-exchange";

    public ExchangeImage {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        arguments = Collections.unmodifiableSortedMap(new TreeMap<>(arguments));
    }

    /** The exchange that takes messages this one's bindings match none of, empty when none is set. */
    public Optional<String> alternateExchange() {
        return Optional.ofNullable(arguments.get(ALTERNATE_EXCHANGE));
    }
}
