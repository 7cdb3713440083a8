package io.wharf.metadata;

import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.AlterTopicConfigsCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.DeleteTopicsCommand;
import io.wharf.proto.metadata.RegisterBrokerCommand;
import io.wharf.proto.metadata.TopicSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The checks of a command that need no image: the same for every node and every moment, so the
 * leader can run them before replicating and {@link CommandProcessor} runs them first when
 * applying. Stateless.
 */
final class StatelessChecks {

    /** The most partitions one topic may have; keeps a single command's records bounded. */
    static final int MAX_PARTITIONS = 10_000;
    /** The longest incarnation id a broker may register with; it is kept in every image (a UUID has 36). */
    static final int MAX_INCARNATION_ID_LENGTH = 64;

    private StatelessChecks() {
    }

    /** One entry per topic of the command, in order: its error, or empty when it passes. */
    static List<Optional<Error>> createTopics(CreateTopicsCommand command) {
        Map<String, Integer> occurrences = occurrences(command.getTopicsList().stream().map(TopicSpec::getName).toList());
        List<Optional<Error>> errors = new ArrayList<>();
        for (TopicSpec spec : command.getTopicsList()) {
            errors.add(createTopic(spec, occurrences.get(spec.getName())));
        }
        return errors;
    }

    private static Optional<Error> createTopic(TopicSpec spec, int occurrences) {
        String name = spec.getName();
        Optional<Error> nameError = TopicNames.validate(name);
        if (nameError.isPresent()) {
            return nameError;
        }
        if (QueueNames.isQueueTopic(name)) {
            return reservedForQueues(name);
        }
        if (occurrences > 1) {
            return error(ErrorCode.INVALID_REQUEST, "topic '" + name + "' appears " + occurrences
                    + " times in the request; name each topic once");
        }
        if (spec.getPartitions() < 1 || spec.getPartitions() > MAX_PARTITIONS) {
            return error(ErrorCode.INVALID_PARTITIONS, "topic '" + name + "' asks for " + spec.getPartitions()
                    + " partitions; use 1 to " + MAX_PARTITIONS);
        }
        if (spec.getReplicationFactor() < 1) {
            return error(ErrorCode.INVALID_REPLICATION_FACTOR, "topic '" + name + "' asks for replication factor "
                    + spec.getReplicationFactor() + "; use 1 or more (at most the number of active brokers)");
        }
        return TopicConfigs.validate(spec.getConfigsMap(), spec.getReplicationFactor())
                .map(e -> Errors.of(e.getCode(), "topic '" + name + "': " + e.getMessage()));
    }

    /** One entry per name of the command, in order: its error, or empty when it passes. */
    static List<Optional<Error>> deleteTopics(DeleteTopicsCommand command) {
        Map<String, Integer> occurrences = occurrences(command.getNamesList());
        List<Optional<Error>> errors = new ArrayList<>();
        for (String name : command.getNamesList()) {
            int count = occurrences.get(name);
            errors.add(QueueNames.isQueueTopic(name) ? reservedForQueues(name)
                    : count > 1
                    ? error(ErrorCode.INVALID_REQUEST, "topic '" + name + "' appears " + count
                            + " times in the request; name each topic once")
                    : Optional.empty());
        }
        return errors;
    }

    /** A queue's log topic is changed only through its queue. */
    static Optional<Error> alterTopicConfigs(AlterTopicConfigsCommand command) {
        return QueueNames.isQueueTopic(command.getTopic()) ? reservedForQueues(command.getTopic()) : Optional.empty();
    }

    private static Optional<Error> reservedForQueues(String topic) {
        return error(ErrorCode.ACCESS_REFUSED, "topic name '" + topic + "' starts with " + QueueNames.TOPIC_PREFIX
                + ", which is reserved for queue logs; declare a queue instead (or use another topic name)");
    }

    /** Name, reserved names and, unless passive, the type. */
    static Optional<Error> declareExchange(DeclareExchangeCommand command) {
        String name = command.getName();
        Optional<Error> invalid = exchangeName(name, "declared");
        if (invalid.isPresent() || command.getPassive()) {
            return invalid;
        }
        ExchangeType type = command.getType();
        if (type == ExchangeType.EXCHANGE_TYPE_UNSPECIFIED || type == ExchangeType.UNRECOGNIZED) {
            return error(ErrorCode.INVALID_ARGUMENT, "exchange '" + name + "' is declared without a known type ("
                    + command.getTypeValue() + "); use direct, fanout, topic or headers");
        }
        if (ExchangeNames.isReserved(name) && !BuiltinExchanges.isBuiltin(name)) {
            return error(ErrorCode.ACCESS_REFUSED, "exchange name '" + name + "' starts with "
                    + ExchangeNames.RESERVED_PREFIX + ", which is reserved for the broker's exchanges; choose another"
                    + " name");
        }
        return Optional.empty();
    }

    /** Name, and neither the default exchange nor a built-in one. */
    static Optional<Error> deleteExchange(String name) {
        Optional<Error> invalid = exchangeName(name, "deleted");
        if (invalid.isPresent()) {
            return invalid;
        }
        if (BuiltinExchanges.isBuiltin(name)) {
            return error(ErrorCode.ACCESS_REFUSED, "exchange '" + name + "' is built in and cannot be deleted");
        }
        return Optional.empty();
    }

    /** Name and, unless passive, the replication settings and arguments. */
    static Optional<Error> declareQueue(DeclareQueueCommand command) {
        Optional<Error> invalid = QueueNames.validate(command.getName());
        if (invalid.isPresent() || command.getPassive()) {
            return invalid;
        }
        if (command.getReplicationFactor() < 0) {
            return error(ErrorCode.INVALID_ARGUMENT, "queue '" + command.getName() + "' asks for replication factor "
                    + command.getReplicationFactor() + "; use 1 or more, or 0 for the default");
        }
        if (command.getMinInsyncReplicas() < 0) {
            return error(ErrorCode.INVALID_ARGUMENT, "queue '" + command.getName() + "' asks for min.insync.replicas "
                    + command.getMinInsyncReplicas() + "; use 1 or more, or 0 for the default");
        }
        return QueueArguments.validate(command.getArgumentsMap())
                .map(e -> Errors.of(e.getCode(), "queue '" + command.getName() + "': " + e.getMessage()));
    }

    /** The checks of Bind and Unbind: a destination kind, legal names, and not the default exchange. */
    static Optional<Error> binding(BindingInfo binding) {
        DestinationKind kind = binding.getDestinationKind();
        if (kind != DestinationKind.QUEUE && kind != DestinationKind.EXCHANGE) {
            return error(ErrorCode.INVALID_ARGUMENT, "the binding from '" + binding.getSource() + "' to '"
                    + binding.getDestination() + "' has no destination kind; set it to QUEUE or EXCHANGE");
        }
        Optional<Error> source = exchangeName(binding.getSource(), "bound from");
        if (source.isPresent()) {
            return source;
        }
        if (kind == DestinationKind.EXCHANGE) {
            return exchangeName(binding.getDestination(), "bound to");
        }
        if (binding.getDestination().isEmpty()) {
            // RabbitMQ reads '' as "the channel's last declared queue"; Wharf has no such channel state
            return error(ErrorCode.ACCESS_REFUSED, "a binding to the queue '' is not allowed; name an existing queue");
        }
        return QueueNames.validate(binding.getDestination());
    }

    /** A legal exchange name that is not the default exchange, which no client may declare, delete or bind. */
    private static Optional<Error> exchangeName(String name, String operation) {
        if (name.isEmpty()) {
            return error(ErrorCode.ACCESS_REFUSED, "the default exchange '' cannot be " + operation
                    + "; it routes to the queue named by the routing key by itself");
        }
        return ExchangeNames.validate(name);
    }

    static Optional<Error> registerBroker(RegisterBrokerCommand command) {
        if (command.getBrokerId() < 0) {
            return error(ErrorCode.INVALID_REQUEST, "broker id " + command.getBrokerId() + " is negative; use 0 or more");
        }
        if (command.getHost().isBlank()) {
            return error(ErrorCode.INVALID_REQUEST, "broker " + command.getBrokerId()
                    + " registers without a host; set the host of its BrokerService endpoint");
        }
        if (command.getPort() < 1 || command.getPort() > 65535) {
            return error(ErrorCode.INVALID_REQUEST, "broker " + command.getBrokerId() + " registers with port "
                    + command.getPort() + "; use a port from 1 to 65535");
        }
        if (command.getIncarnationId().length() > MAX_INCARNATION_ID_LENGTH) {
            return error(ErrorCode.INVALID_REQUEST, "broker " + command.getBrokerId() + " registers with an incarnation"
                    + " id of " + command.getIncarnationId().length() + " characters; use at most "
                    + MAX_INCARNATION_ID_LENGTH + " (a random UUID per process start)");
        }
        return Optional.empty();
    }

    /** The checks of FenceBroker, UnfenceBroker and ControlledShutdown. */
    static Optional<Error> brokerLifecycle(int brokerId, long brokerEpoch) {
        if (brokerId < 0) {
            return error(ErrorCode.INVALID_REQUEST, "broker id " + brokerId + " is negative; use 0 or more");
        }
        if (brokerEpoch < 0) {
            return error(ErrorCode.INVALID_REQUEST, "broker " + brokerId + " sent the negative broker epoch "
                    + brokerEpoch + "; send the epoch its registration returned");
        }
        return Optional.empty();
    }

    static Optional<Error> alterPartition(AlterPartitionCommand command) {
        Optional<Error> broker = brokerLifecycle(command.getBrokerId(), command.getBrokerEpoch());
        if (broker.isPresent()) {
            return broker;
        }
        if (command.getTopic().isEmpty() || command.getPartition() < 0) {
            return error(ErrorCode.INVALID_REQUEST, "AlterPartition names topic '" + command.getTopic()
                    + "' partition " + command.getPartition() + "; name an existing topic and a partition >= 0");
        }
        if (command.getNewIsrCount() == 0) {
            return error(ErrorCode.INVALID_REQUEST, "AlterPartition for " + command.getTopic() + "-"
                    + command.getPartition() + " proposes an empty ISR; the ISR must contain at least the leader");
        }
        Set<Integer> distinct = new HashSet<>(command.getNewIsrList());
        if (distinct.size() != command.getNewIsrCount()) {
            return error(ErrorCode.INVALID_REQUEST, "AlterPartition for " + command.getTopic() + "-"
                    + command.getPartition() + " proposes the ISR " + command.getNewIsrList()
                    + " with a duplicate; name each replica once");
        }
        return Optional.empty();
    }

    private static Map<String, Integer> occurrences(List<String> names) {
        Map<String, Integer> counts = new HashMap<>();
        for (String name : names) {
            counts.merge(name, 1, Integer::sum);
        }
        return counts;
    }

    private static Optional<Error> error(ErrorCode code, String message) {
        return Optional.of(Errors.of(code, message));
    }
}
