package io.wharf.group;

import java.util.Optional;
import java.util.TreeSet;

/**
 * Builds a member's metadata from its previous metadata and what a heartbeat changes: empty
 * request fields keep the old values, timeouts are clamped to the broker's bounds. Stateless.
 */
final class MemberUpdate {

    private MemberUpdate() {
    }

    static MemberMetadata merge(GroupConfig config, Optional<MemberMetadata> old, HeartbeatRequest request) {
        TreeSet<String> names = new TreeSet<>(old.map(MemberMetadata::subscribedTopicNames).orElse(new TreeSet<>()));
        Optional<String> regex = old.flatMap(MemberMetadata::subscribedTopicRegex);
        if (request.subscribedTopicNames().isPresent()) {
            names = new TreeSet<>(request.subscribedTopicNames().get());
            regex = Optional.empty();
        } else if (request.subscribedTopicRegex().isPresent()) {
            names = new TreeSet<>();
            regex = request.subscribedTopicRegex();
        }
        int session = request.sessionTimeoutMs().isPresent() || old.isEmpty()
                ? config.sessionTimeoutFor(request.sessionTimeoutMs()) : old.get().sessionTimeoutMs();
        int heartbeat = request.heartbeatIntervalMs().isPresent() || old.isEmpty()
                ? config.heartbeatIntervalFor(request.heartbeatIntervalMs()) : old.get().heartbeatIntervalMs();
        int rebalance = request.rebalanceTimeoutMs().isPresent() || old.isEmpty()
                ? config.rebalanceTimeoutFor(request.rebalanceTimeoutMs()) : old.get().rebalanceTimeoutMs();
        return new MemberMetadata(request.instanceId().or(() -> old.flatMap(MemberMetadata::instanceId)),
                request.rackId().or(() -> old.flatMap(MemberMetadata::rackId)), names, regex,
                request.serverAssignor().or(() -> old.flatMap(MemberMetadata::serverAssignor)), session, heartbeat,
                rebalance);
    }
}
