package io.wharf.group;

import java.util.Objects;

/**
 * One partition's offset commit. Immutable.
 *
 * @param groupId           the group
 * @param memberId          the committing member; ignored for an admin commit
 * @param memberEpoch       the member's epoch, or {@link #ADMIN_EPOCH} for an admin commit (only
 *                          accepted while the group has no members)
 * @param partition         the partition
 * @param offset            the next offset to consume
 * @param leaderEpoch       the leader epoch of the last consumed record, -1 when unknown
 * @param metadata          free text to store with the offset
 * @param commitTimestampMs when it was committed, as the caller's clock says
 */
public record OffsetCommitRequest(String groupId, String memberId, int memberEpoch, TopicPartition partition,
                                  long offset, int leaderEpoch, String metadata, long commitTimestampMs) {

    /** The epoch of a commit made by an admin tool rather than a member. */
    public static final int ADMIN_EPOCH = -1;

    public OffsetCommitRequest {
        Objects.requireNonNull(groupId, "groupId");
        Objects.requireNonNull(memberId, "memberId");
        Objects.requireNonNull(partition, "partition");
        Objects.requireNonNull(metadata, "metadata");
    }
}
