package io.wharf.cli.view;

import io.wharf.proto.common.ExchangeInfo;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * One exchange as {@code wharf exchanges list --json} prints it; {@code type} is lower-case
 * (direct, fanout, topic, headers). Immutable.
 */
public record ExchangeView(String name, String type, boolean internal, boolean builtin, Map<String, String> arguments) {

    public ExchangeView {
        arguments = new TreeMap<>(arguments);
    }

    public static ExchangeView of(ExchangeInfo exchange) {
        return new ExchangeView(exchange.getName(), exchange.getType().name().toLowerCase(Locale.ROOT),
                exchange.getInternal(), exchange.getBuiltin(), exchange.getArgumentsMap());
    }

    /** The name as text output shows it: the default exchange's is empty. */
    public String displayName() {
        return name.isEmpty() ? "(default)" : name;
    }
}
