package io.wharf.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Soft state: when each member's session ends, and by when a member that was told to revoke
 * partitions must have done so (its rebalance timeout). Not replicated and not part of the group
 * state; a new coordinator starts every timer afresh on its first check, which only ever gives a
 * member more time. Single-threaded; owned by the coordinator.
 */
final class MemberTimers {

    /**
     * What the timers need to know of a member.
     *
     * @param sessionTimeoutMs   its session timeout
     * @param rebalanceTimeoutMs its rebalance timeout
     * @param revoking           true while it has partitions pending revocation
     */
    record Member(int sessionTimeoutMs, int rebalanceTimeoutMs, boolean revoking) {

        static Member of(MemberMetadata metadata, CurrentAssignment current) {
            return new Member(metadata.sessionTimeoutMs(), metadata.rebalanceTimeoutMs(),
                    current.state() == MemberState.UNREVOKED_PARTITIONS);
        }
    }

    private final Map<GroupMemberId, Long> sessionEnds = new HashMap<>();
    private final Map<GroupMemberId, Long> revocationDeadlines = new HashMap<>();

    /**
     * The member heartbeated at {@code nowMs}: its session restarts; a revocation deadline starts
     * when it begins revoking and ends when it is done.
     */
    void heartbeat(GroupMemberId id, Member member, long nowMs) {
        sessionEnds.put(id, nowMs + member.sessionTimeoutMs());
        track(id, member, nowMs);
    }

    /** The member has no timers any more. */
    void remove(GroupMemberId id) {
        sessionEnds.remove(id);
        revocationDeadlines.remove(id);
    }

    /**
     * The members whose session ended, or whose revocation deadline passed, by {@code nowMs}, in
     * the order of {@code members}. Forgets timers of members not in {@code members}, and starts
     * missing ones.
     *
     * @param members every member of every group
     */
    List<GroupMemberId> expired(SortedMap<GroupMemberId, Member> members, long nowMs) {
        sessionEnds.keySet().retainAll(members.keySet());
        revocationDeadlines.keySet().retainAll(members.keySet());
        List<GroupMemberId> expired = new ArrayList<>();
        members.forEach((id, member) -> {
            long sessionEnd = sessionEnds.computeIfAbsent(id, m -> nowMs + member.sessionTimeoutMs());
            track(id, member, nowMs);
            if (sessionEnd <= nowMs || revocationDeadlines.getOrDefault(id, Long.MAX_VALUE) <= nowMs) {
                expired.add(id);
            }
        });
        return expired;
    }

    private void track(GroupMemberId id, Member member, long nowMs) {
        if (member.revoking()) {
            revocationDeadlines.putIfAbsent(id, nowMs + member.rebalanceTimeoutMs());
        } else {
            revocationDeadlines.remove(id);
        }
    }
}
