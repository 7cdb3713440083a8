package io.wharf.group;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;

/**
 * Soft state: when each member's session ends. Not replicated and not part of the group state; a
 * new coordinator starts every member's session afresh on its first check, which only ever gives
 * a member more time. Single-threaded; owned by the coordinator.
 */
final class SessionTimers {

    private final Map<GroupMemberId, Long> deadlines = new HashMap<>();

    /** The member's session now ends at {@code deadlineMs}. */
    void touch(GroupMemberId member, long deadlineMs) {
        deadlines.put(member, deadlineMs);
    }

    /** The member no longer has a session. */
    void remove(GroupMemberId member) {
        deadlines.remove(member);
    }

    /**
     * The members whose session ended by {@code nowMs}, in the order of {@code live}. Forgets
     * sessions of members not in {@code live}, and starts one for each live member without one.
     *
     * @param live member → its session timeout, for every member of every group
     */
    List<GroupMemberId> expired(SortedMap<GroupMemberId, Integer> live, long nowMs) {
        deadlines.keySet().retainAll(live.keySet());
        List<GroupMemberId> expired = new ArrayList<>();
        live.forEach((member, timeoutMs) -> {
            long deadline = deadlines.computeIfAbsent(member, m -> nowMs + timeoutMs);
            if (deadline <= nowMs) {
                expired.add(member);
            }
        });
        return expired;
    }
}
