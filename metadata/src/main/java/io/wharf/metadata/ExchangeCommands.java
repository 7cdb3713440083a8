package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.CommandResult;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeleteExchangeCommand;
import io.wharf.proto.metadata.ExchangeRecord;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.RemoveExchangeRecord;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns DeclareExchange and DeleteExchange into records. One item, named by the exchange.
 * Stateless.
 */
final class ExchangeCommands {

    private ExchangeCommands() {
    }

    /**
     * Creates the exchange; the same declaration of an existing one (a built-in one included)
     * changes nothing, a different one is refused naming the property that differs. Passive only
     * checks that it exists.
     */
    static CommandOutcome declare(MetadataImage image, DeclareExchangeCommand command, long offset) {
        String name = command.getName();
        Optional<Error> invalid = StatelessChecks.declareExchange(command);
        if (invalid.isPresent()) {
            return BrokerCommands.rejection(name, invalid.get(), offset);
        }
        Optional<ExchangeImage> existing = image.exchange(name);
        if (command.getPassive()) {
            return existing.isPresent() ? ok(name, offset) : BrokerCommands.rejection(name, notFound(name), offset);
        }
        if (existing.isPresent()) {
            return difference(existing.get(), command)
                    .map(d -> BrokerCommands.rejection(name, Errors.of(ErrorCode.PRECONDITION_FAILED,
                            "exchange '" + name + "' exists with " + d + "; declare it as it is or delete it first"),
                            offset))
                    .orElseGet(() -> ok(name, offset));
        }
        return new CommandOutcome(List.of(MetadataRecord.newBuilder().setExchange(ExchangeRecord.newBuilder()
                .setName(name)
                .setType(command.getType())
                .setInternal(command.getInternal())
                .putAllArguments(command.getArgumentsMap())).build()), ok(name, offset).result());
    }

    /** Removes the exchange; its bindings from and to it go with the record. */
    static CommandOutcome delete(MetadataImage image, DeleteExchangeCommand command, long offset) {
        String name = command.getName();
        Optional<Error> invalid = StatelessChecks.deleteExchange(name);
        if (invalid.isPresent()) {
            return BrokerCommands.rejection(name, invalid.get(), offset);
        }
        if (image.exchange(name).isEmpty()) {
            return BrokerCommands.rejection(name, notFound(name), offset);
        }
        int bindings = image.bindingSet().from(name).size();
        if (command.getIfUnused() && bindings > 0) {
            return BrokerCommands.rejection(name, Errors.of(ErrorCode.PRECONDITION_FAILED, "exchange '" + name
                    + "' is in use: it is the source of " + bindings + " binding(s); unbind them first or delete it"
                    + " without if-unused"), offset);
        }
        return new CommandOutcome(List.of(MetadataRecord.newBuilder()
                .setRemoveExchange(RemoveExchangeRecord.newBuilder().setName(name)).build()), ok(name, offset).result());
    }

    static Error notFound(String name) {
        return Errors.of(ErrorCode.NOT_FOUND, "exchange '" + name + "' does not exist; declare it first");
    }

    /** The lower-case name RabbitMQ uses for an exchange type. */
    static String typeName(ExchangeType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    private static Optional<String> difference(ExchangeImage existing, DeclareExchangeCommand command) {
        if (existing.type() != command.getType()) {
            return Optional.of("type " + typeName(existing.type()) + ", not " + typeName(command.getType()));
        }
        if (existing.internal() != command.getInternal()) {
            return Optional.of("internal=" + existing.internal() + ", not " + command.getInternal());
        }
        return Redeclaration.firstDifference(existing.arguments(), command.getArgumentsMap());
    }

    private static CommandOutcome ok(String name, long offset) {
        return new CommandOutcome(List.of(), CommandResult.newBuilder().setOffset(offset).addItems(Errors.ok(name)).build());
    }
}
