package io.wharf.cli.command;

import io.wharf.proto.common.DestinationKind;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * What {@code wharf bind} and {@code wharf unbind} name: source exchange, destination queue (or
 * exchange with {@code --to-exchange}), routing key and arguments. Single-threaded; filled by picocli.
 */
public final class BindingOptions {

    @Parameters(index = "0", paramLabel = "SOURCE", description = "The exchange messages come from.")
    String source;
    @Parameters(index = "1", paramLabel = "DESTINATION", description = "The queue (or exchange) they go to.")
    String destination;
    @Option(names = "--to-exchange", description = "DESTINATION is an exchange, not a queue.")
    boolean toExchange;
    @Option(names = "--routing-key", defaultValue = "", paramLabel = "K",
            description = "The binding key (topic exchanges: words separated by '.', '*' one word, '#' any).")
    String routingKey;
    @Option(names = "--arg", paramLabel = "KEY=VALUE",
            description = "A binding argument (headers exchanges: x-match=all|any and the headers to match); repeatable.")
    Map<String, String> arguments = new LinkedHashMap<>();

    DestinationKind kind() {
        return toExchange ? DestinationKind.EXCHANGE : DestinationKind.QUEUE;
    }

    /** "queue 'q' to exchange 'x' with routing key 'k'", for messages. */
    String describe() {
        return (toExchange ? "exchange " : "queue ") + destination + " to exchange " + source
                + (routingKey.isEmpty() ? "" : " with routing key " + routingKey);
    }
}
