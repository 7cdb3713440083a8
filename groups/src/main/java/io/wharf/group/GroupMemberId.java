package io.wharf.group;

import java.util.Comparator;
import java.util.Objects;

/**
 * One member of one group. Immutable; ordered by group id, then member id.
 *
 * @param groupId  the group
 * @param memberId the member
 */
public record GroupMemberId(String groupId, String memberId) implements Comparable<GroupMemberId> {

    private static final Comparator<GroupMemberId> ORDER =
            Comparator.comparing(GroupMemberId::groupId).thenComparing(GroupMemberId::memberId);

    public GroupMemberId {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
    }

    @Override
    public int compareTo(GroupMemberId other) {
        return ORDER.compare(this, other);
    }
}
