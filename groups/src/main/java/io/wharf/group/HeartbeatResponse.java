package io.wharf.group;

import java.util.Objects;

/**
 * The answer to a heartbeat. Immutable.
 *
 * @param memberId            the member's id
 * @param memberEpoch         the member's epoch from now on (-1 after a leave, -2 after a static leave)
 * @param heartbeatIntervalMs when to heartbeat next
 * @param assignment          the partitions the member holds from now on; it must revoke every
 *                            partition it owns that is not here before its next heartbeat reports
 *                            it no longer owns them
 */
public record HeartbeatResponse(String memberId, int memberEpoch, int heartbeatIntervalMs, Assignment assignment) {

    public HeartbeatResponse {
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(assignment, "assignment");
    }
}
