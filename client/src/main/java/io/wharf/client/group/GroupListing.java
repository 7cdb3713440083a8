package io.wharf.client.group;

/**
 * A consumer group as {@code ListGroups} shows it. Immutable.
 *
 * @param groupId the group id
 * @param state EMPTY, ASSIGNING, RECONCILING or STABLE
 * @param members how many members it has
 */
public record GroupListing(String groupId, String state, int members) {
}
