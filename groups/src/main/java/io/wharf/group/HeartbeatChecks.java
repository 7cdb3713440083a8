package io.wharf.group;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/** The checks of a heartbeat that need no group state. Stateless. */
final class HeartbeatChecks {

    private HeartbeatChecks() {
    }

    static Optional<GroupError> check(GroupConfig config, HeartbeatRequest request) {
        Optional<GroupError> groupId = GroupError.checkGroupId(request.groupId());
        if (groupId.isPresent()) {
            return groupId;
        }
        if (request.memberId().isBlank()) {
            return invalid("member id must not be empty: the client generates one (a UUID) and keeps it");
        }
        int epoch = request.memberEpoch();
        if (epoch < HeartbeatRequest.STATIC_LEAVE_EPOCH) {
            return invalid("member epoch " + epoch + " is invalid: use 0 to join, -1 to leave, -2 for a static "
                    + "member leaving temporarily, else the epoch of the last response");
        }
        if (request.subscribedTopicNames().isPresent() && request.subscribedTopicRegex().isPresent()) {
            return invalid("subscribe by topic names or by a regex, not both");
        }
        List<String> names = request.subscribedTopicNames().orElse(List.of());
        if (names.stream().anyMatch(String::isBlank)) {
            return invalid("subscribed topic names must not be blank: " + names);
        }
        if (request.subscribedTopicRegex().isPresent()) {
            Optional<GroupError> regex = checkRegex(request.subscribedTopicRegex().get());
            if (regex.isPresent()) {
                return regex;
            }
        }
        if (request.serverAssignor().isPresent() && config.assignor(request.serverAssignor().get()).isEmpty()) {
            return Optional.of(new GroupError(GroupErrorCode.UNSUPPORTED_ASSIGNOR, "server assignor '"
                    + request.serverAssignor().get() + "' is unknown: use one of "
                    + config.assignors().stream().map(PartitionAssignor::name).toList()));
        }
        if (request.instanceId().filter(String::isBlank).isPresent()) {
            return invalid("instance id must not be blank: omit it for a dynamic member");
        }
        if (request.sessionTimeoutMs().orElse(1) <= 0 || request.heartbeatIntervalMs().orElse(1) <= 0
                || request.rebalanceTimeoutMs().orElse(1) <= 0) {
            return invalid("session timeout, heartbeat interval and rebalance timeout must be positive milliseconds");
        }
        if (epoch == HeartbeatRequest.JOIN_EPOCH) {
            if (request.subscribedTopicNames().isEmpty() && request.subscribedTopicRegex().isEmpty()) {
                return invalid("a join (epoch 0) must subscribe: send topic names or a regex");
            }
            if (request.ownedPartitions().filter(owned -> !owned.isEmpty()).isPresent()) {
                return invalid("a join (epoch 0) must own no partitions: revoke " + request.ownedPartitions().get()
                        .names() + " first");
            }
        }
        if (epoch == HeartbeatRequest.STATIC_LEAVE_EPOCH && request.instanceId().isEmpty()) {
            return invalid("epoch -2 is for static members: send the instance id, or leave with epoch -1");
        }
        return Optional.empty();
    }

    private static Optional<GroupError> checkRegex(String regex) {
        if (regex.isEmpty()) {
            return Optional.of(new GroupError(GroupErrorCode.INVALID_REGULAR_EXPRESSION,
                    "the subscription regex is empty: send a pattern such as 'clicks-.*'"));
        }
        try {
            Pattern.compile(regex);
            return Optional.empty();
        } catch (PatternSyntaxException e) {
            return Optional.of(new GroupError(GroupErrorCode.INVALID_REGULAR_EXPRESSION, "subscription regex '"
                    + regex + "' does not compile: " + e.getDescription() + " near index " + e.getIndex()));
        }
    }

    private static Optional<GroupError> invalid(String message) {
        return Optional.of(new GroupError(GroupErrorCode.INVALID_REQUEST, message));
    }
}
