package io.wharf.cli.view;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import java.util.Map;
import java.util.TreeMap;

/**
 * One binding as the CLI prints it: {@code destination_kind} is "queue" or "exchange". Immutable.
 */
public record BindingView(String source, String destination,
                          @JsonProperty("destination_kind") String destinationKind,
                          @JsonProperty("routing_key") String routingKey, Map<String, String> arguments) {

    public BindingView {
        arguments = new TreeMap<>(arguments);
    }

    public static BindingView of(BindingInfo binding) {
        return new BindingView(binding.getSource(), binding.getDestination(),
                binding.getDestinationKind() == DestinationKind.EXCHANGE ? "exchange" : "queue",
                binding.getRoutingKey(), binding.getArgumentsMap());
    }
}
