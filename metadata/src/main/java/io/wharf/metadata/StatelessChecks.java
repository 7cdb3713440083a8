package io.wharf.metadata;

import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.metadata.AlterPartitionCommand;
import io.wharf.proto.metadata.CreateTopicsCommand;
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
            errors.add(count > 1
                    ? error(ErrorCode.INVALID_REQUEST, "topic '" + name + "' appears " + count
                            + " times in the request; name each topic once")
                    : Optional.empty());
        }
        return errors;
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
