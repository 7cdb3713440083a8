package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.BindingRecord;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.RemoveBindingRecord;
import java.util.List;
import java.util.Optional;

/**
 * Turns Bind and Unbind into records. Both are idempotent (as in RabbitMQ): binding what is bound,
 * or unbinding what is not, changes nothing; an unknown exchange or queue is an error. One item,
 * named {@code source->destination}. Stateless.
 */
final class BindingCommands {

    private BindingCommands() {
    }

    static CommandOutcome bind(MetadataImage image, BindingInfo binding, long offset) {
        String item = itemName(binding);
        Optional<Error> error = StatelessChecks.binding(binding).or(() -> unknownEnd(image, binding))
                .or(() -> headersArguments(image, binding));
        if (error.isPresent()) {
            return BrokerCommands.rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = image.bindingSet().contains(binding) ? List.of()
                : List.of(MetadataRecord.newBuilder().setBinding(BindingRecord.newBuilder().setBinding(binding)).build());
        return new CommandOutcome(records, ok(item, offset));
    }

    static CommandOutcome unbind(MetadataImage image, BindingInfo binding, long offset) {
        String item = itemName(binding);
        Optional<Error> error = StatelessChecks.binding(binding).or(() -> unknownEnd(image, binding));
        if (error.isPresent()) {
            return BrokerCommands.rejection(item, error.get(), offset);
        }
        List<MetadataRecord> records = !image.bindingSet().contains(binding) ? List.of()
                : List.of(MetadataRecord.newBuilder()
                        .setRemoveBinding(RemoveBindingRecord.newBuilder().setBinding(binding)).build());
        return new CommandOutcome(records, ok(item, offset));
    }

    static String itemName(BindingInfo binding) {
        return binding.getSource() + "->" + binding.getDestination();
    }

    /** NOT_FOUND naming the source exchange or the destination that does not exist. */
    private static Optional<Error> unknownEnd(MetadataImage image, BindingInfo binding) {
        if (image.exchange(binding.getSource()).isEmpty()) {
            return Optional.of(ExchangeCommands.notFound(binding.getSource()));
        }
        if (binding.getDestinationKind() == DestinationKind.QUEUE) {
            return image.queue(binding.getDestination()).isPresent() ? Optional.empty()
                    : Optional.of(QueueCommands.notFound(binding.getDestination()));
        }
        return image.exchange(binding.getDestination()).isPresent() ? Optional.empty()
                : Optional.of(ExchangeCommands.notFound(binding.getDestination()));
    }

    /** A headers exchange's binding chooses its match with x-match; refuse a mode that would never route. */
    private static Optional<Error> headersArguments(MetadataImage image, BindingInfo binding) {
        String mode = binding.getArgumentsMap().get(HeadersMatch.MODE_KEY);
        boolean headers = image.exchange(binding.getSource()).orElseThrow().type() == ExchangeType.HEADERS;
        if (!headers || mode == null || HeadersMatch.isValidMode(mode)) {
            return Optional.empty();
        }
        return Optional.of(Errors.of(ErrorCode.INVALID_ARGUMENT, "binding argument " + HeadersMatch.MODE_KEY + "="
                + mode + " is not allowed; use all, any, all-with-x or any-with-x"));
    }

    private static CommandResult ok(String item, long offset) {
        return CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(item)).build();
    }
}
