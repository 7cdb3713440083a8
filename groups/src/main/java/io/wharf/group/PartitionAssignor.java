package io.wharf.group;

import java.util.SortedMap;

/**
 * A server-side assignor: computes a group's target assignment from its members'
 * subscriptions, the partition counts of the subscribed topics and the previous target. Must be
 * pure and deterministic (the same spec gives the same result on every replica) and must give
 * each partition to at most one member, and only to a member subscribed to its topic.
 * Implementations are stateless and thread-safe.
 */
public interface PartitionAssignor {

    /** The name members ask for in {@code serverAssignor} and configs list ("uniform", "range"). */
    String name();

    /**
     * The new target assignment: one entry per member of {@code spec} (possibly empty),
     * keyed by member id.
     */
    SortedMap<String, Assignment> assign(AssignmentSpec spec);
}
