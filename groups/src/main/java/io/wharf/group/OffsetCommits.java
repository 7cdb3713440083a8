package io.wharf.group;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Decides whether an offset commit is accepted and emits its record. Pure; stateless.
 *
 * <p>A member's commit is fenced by its epoch (KIP-1251): accepted when the member holds the
 * partition (assigned, or pending revocation, since a member commits before it revokes) and
 * {@code assignmentEpoch(partition) <= epoch <= memberEpoch}. An older epoch than the partition's
 * assignment is stale (the member must heartbeat first); a newer one than the member's is unknown
 * (fenced). An admin commit ({@link OffsetCommitRequest#ADMIN_EPOCH}) is accepted only while the
 * group has no members, and creates the group when it does not exist.
 */
final class OffsetCommits {

    private OffsetCommits() {
    }

    static GroupResult<CommittedOffset> commit(GroupConfig config, Optional<ConsumerGroup> group,
                                               OffsetCommitRequest request) {
        Optional<GroupError> invalid = check(config, request);
        if (invalid.isPresent()) {
            return GroupResult.rejected(invalid.get().code(), invalid.get().message());
        }
        CommittedOffset value = new CommittedOffset(request.offset(), request.leaderEpoch(), request.metadata(),
                request.commitTimestampMs());
        List<GroupRecord> records = new ArrayList<>();
        if (request.memberEpoch() == OffsetCommitRequest.ADMIN_EPOCH) {
            if (group.isPresent() && !group.get().isEmpty()) {
                return GroupResult.rejected(GroupErrorCode.NON_EMPTY_GROUP, "group " + request.groupId() + " has "
                        + group.get().members().size() + " members: admin commits need an empty group; stop its "
                        + "consumers first, or commit as a member");
            }
            if (group.isEmpty()) {
                records.add(new GroupRecord.GroupMetadata(request.groupId(),
                        Optional.of(ConsumerGroup.empty(request.groupId()).epoch())));
            }
        } else {
            Optional<GroupError> fenced = fence(group, request);
            if (fenced.isPresent()) {
                return GroupResult.rejected(fenced.get().code(), fenced.get().message());
            }
        }
        records.add(new GroupRecord.OffsetCommit(request.groupId(), request.partition(), Optional.of(value)));
        return GroupResult.ok(records, value);
    }

    private static Optional<GroupError> fence(Optional<ConsumerGroup> group, OffsetCommitRequest request) {
        String who = "member " + request.memberId() + " of group " + request.groupId();
        if (group.isEmpty()) {
            return error(GroupErrorCode.GROUP_ID_NOT_FOUND, "group " + request.groupId()
                    + " does not exist: join it before committing, or commit as admin with epoch -1");
        }
        if (group.get().member(request.memberId()).isEmpty()) {
            return error(GroupErrorCode.UNKNOWN_MEMBER_ID, who + " is not in the group (it left or its session "
                    + "expired): rejoin, then commit");
        }
        CurrentAssignment current = group.get().current(request.memberId());
        if (current.memberEpoch() < 0 || request.memberEpoch() > current.memberEpoch()) {
            return error(GroupErrorCode.FENCED_MEMBER_EPOCH, who + " committed with epoch " + request.memberEpoch()
                    + " but its epoch is " + current.memberEpoch() + ": drop its partitions and rejoin with epoch 0");
        }
        OptionalInt assignedAt = current.assignmentEpoch(request.partition());
        if (assignedAt.isEmpty()) {
            return error(GroupErrorCode.PARTITION_NOT_ASSIGNED, who + " does not hold " + request.partition()
                    + ": commit only partitions of its current assignment");
        }
        if (request.memberEpoch() < assignedAt.getAsInt()) {
            return error(GroupErrorCode.STALE_MEMBER_EPOCH, who + " committed " + request.partition() + " with epoch "
                    + request.memberEpoch() + ", older than epoch " + assignedAt.getAsInt()
                    + " at which it got the partition: heartbeat, then retry with the new epoch");
        }
        return Optional.empty();
    }

    private static Optional<GroupError> check(GroupConfig config, OffsetCommitRequest request) {
        Optional<GroupError> groupId = GroupError.checkGroupId(request.groupId());
        if (groupId.isPresent()) {
            return groupId;
        }
        if (request.partition().topic().isBlank() || request.partition().partition() < 0 || request.offset() < 0) {
            return error(GroupErrorCode.INVALID_COMMIT_OFFSET, "cannot commit offset " + request.offset() + " of "
                    + request.partition() + ": the topic must be named, the partition and the offset not negative");
        }
        if (request.metadata().length() > config.maxOffsetMetadataChars()) {
            return error(GroupErrorCode.OFFSET_METADATA_TOO_LARGE, "offset metadata of " + request.metadata().length()
                    + " characters is longer than the " + config.maxOffsetMetadataChars() + " allowed: shorten it");
        }
        if (request.memberEpoch() < OffsetCommitRequest.ADMIN_EPOCH) {
            return error(GroupErrorCode.INVALID_REQUEST, "member epoch " + request.memberEpoch()
                    + " is invalid for a commit: send the member's epoch, or -1 for an admin commit");
        }
        return Optional.empty();
    }

    private static Optional<GroupError> error(GroupErrorCode code, String message) {
        return Optional.of(new GroupError(code, message));
    }
}
