package io.wharf.group;

import java.util.Collection;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What a member told the coordinator about itself: identity, subscription and timeouts. The
 * value of a member-metadata record. Immutable.
 *
 * @param instanceId            the static instance id ({@code group.instance.id}), when static
 * @param rackId                the member's rack, when it sent one
 * @param subscribedTopicNames  the topics it subscribes to by name (empty when by regex)
 * @param subscribedTopicRegex  the java.util.regex pattern it subscribes with, when by regex;
 *                              it must match a whole topic name
 * @param serverAssignor        the assignor it asked for, when it asked
 * @param sessionTimeoutMs      its session timeout, already clamped to the broker's bounds
 * @param heartbeatIntervalMs   its heartbeat interval, already clamped to the broker's bounds
 * @param rebalanceTimeoutMs    how long it may take to revoke partitions before it is removed
 */
public record MemberMetadata(Optional<String> instanceId, Optional<String> rackId, SortedSet<String> subscribedTopicNames,
                             Optional<String> subscribedTopicRegex, Optional<String> serverAssignor,
                             int sessionTimeoutMs, int heartbeatIntervalMs, int rebalanceTimeoutMs) {

    public MemberMetadata {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(rackId, "rackId");
        subscribedTopicNames = Collections.unmodifiableSortedSet(new TreeSet<>(subscribedTopicNames));
        Objects.requireNonNull(subscribedTopicRegex, "subscribedTopicRegex");
        Objects.requireNonNull(serverAssignor, "serverAssignor");
    }

    /** True when this member subscribes to {@code topic}, by name or by its regex. */
    public boolean subscribesTo(String topic) {
        return subscribedTopicNames.contains(topic)
                || subscribedTopicRegex.map(regex -> Pattern.compile(regex).matcher(topic).matches()).orElse(false);
    }

    /**
     * The topics this member subscribes to among {@code existingTopics} plus every topic it names
     * (a named topic that does not exist yet is still subscribed; it gets partitions once it exists).
     */
    public SortedSet<String> subscribedTopics(Collection<String> existingTopics) {
        SortedSet<String> topics = new TreeSet<>(subscribedTopicNames);
        subscribedTopicRegex.ifPresent(regex -> {
            Pattern pattern = Pattern.compile(regex);
            existingTopics.stream().filter(t -> pattern.matcher(t).matches()).forEach(topics::add);
        });
        return topics;
    }

    /**
     * True when {@code other} would give the assignor the same input: same subscription, rack and
     * assignor. Timeouts and the instance id do not matter to an assignment.
     */
    public boolean sameAssignmentInputs(MemberMetadata other) {
        return subscribedTopicNames.equals(other.subscribedTopicNames)
                && subscribedTopicRegex.equals(other.subscribedTopicRegex)
                && rackId.equals(other.rackId)
                && serverAssignor.equals(other.serverAssignor);
    }
}
