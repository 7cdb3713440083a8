package io.wharf.group;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Turns one heartbeat into records and an answer against the group as it is: join, rejoin,
 * static-member return, leave, static leave, or a regular heartbeat that may change the
 * subscription and moves the member one step through reconciliation. Pure; stateless. Validates
 * everything before emitting anything, so a rejected heartbeat has no records.
 */
final class Heartbeats {

    private Heartbeats() {
    }

    static GroupResult<HeartbeatResponse> handle(GroupConfig config, Optional<ConsumerGroup> group,
                                                 HeartbeatRequest request, Map<String, Integer> topics) {
        Optional<GroupError> invalid = HeartbeatChecks.check(config, request);
        if (invalid.isPresent()) {
            return GroupResult.rejected(invalid.get().code(), invalid.get().message());
        }
        GroupDraft draft = new GroupDraft(request.groupId(), group);
        return switch (request.memberEpoch()) {
            case HeartbeatRequest.LEAVE_EPOCH -> leave(config, draft, request, topics);
            case HeartbeatRequest.STATIC_LEAVE_EPOCH -> staticLeave(draft, request);
            case HeartbeatRequest.JOIN_EPOCH -> join(config, draft, request, topics);
            default -> regular(config, draft, request, topics);
        };
    }

    private static GroupResult<HeartbeatResponse> leave(GroupConfig config, GroupDraft draft, HeartbeatRequest request,
                                                        Map<String, Integer> topics) {
        Optional<GroupResult<HeartbeatResponse>> unknown = unknownOrFencedInstance(draft, request);
        if (unknown.isPresent()) {
            return unknown.get();
        }
        MemberMetadata metadata = draft.group().member(request.memberId()).orElseThrow();
        draft.removeMember(request.memberId());
        Rebalancer.rebalance(draft, config, topics, true);
        return GroupResult.ok(draft.records(), new HeartbeatResponse(request.memberId(),
                HeartbeatRequest.LEAVE_EPOCH, metadata.heartbeatIntervalMs(), Assignment.empty()));
    }

    /** Keeps the member and its assigned partitions; what it was revoking is released, as it stopped. */
    private static GroupResult<HeartbeatResponse> staticLeave(GroupDraft draft, HeartbeatRequest request) {
        Optional<GroupResult<HeartbeatResponse>> unknown = unknownOrFencedInstance(draft, request);
        if (unknown.isPresent()) {
            return unknown.get();
        }
        ConsumerGroup group = draft.group();
        CurrentAssignment current = group.current(request.memberId());
        if (current.memberEpoch() != CurrentAssignment.STATIC_LEFT_EPOCH) {
            draft.setCurrent(request.memberId(), new CurrentAssignment(CurrentAssignment.STATIC_LEFT_EPOCH,
                    current.memberEpoch(), MemberState.STABLE, current.assigned(), new TreeMap<>()));
        }
        return GroupResult.ok(draft.records(), new HeartbeatResponse(request.memberId(),
                HeartbeatRequest.STATIC_LEAVE_EPOCH, group.member(request.memberId()).orElseThrow().heartbeatIntervalMs(),
                Assignment.empty()));
    }

    private static GroupResult<HeartbeatResponse> join(GroupConfig config, GroupDraft draft, HeartbeatRequest request,
                                                       Map<String, Integer> topics) {
        ConsumerGroup group = draft.group();
        String memberId = request.memberId();
        Optional<String> holder = request.instanceId().flatMap(group::memberWithInstance)
                .filter(id -> !id.equals(memberId));
        boolean inputsChanged;
        if (holder.isPresent()) {
            String previous = holder.get();
            if (group.current(previous).memberEpoch() != CurrentAssignment.STATIC_LEFT_EPOCH) {
                return GroupResult.rejected(GroupErrorCode.UNRELEASED_INSTANCE_ID, "instance id '"
                        + request.instanceId().orElseThrow() + "' is held by member " + previous + " of group "
                        + group.groupId() + ", which has not left: stop that consumer or wait "
                        + group.member(previous).orElseThrow().sessionTimeoutMs() + " ms for its session to expire");
            }
            inputsChanged = group.member(memberId).isPresent();
            if (inputsChanged) {
                draft.removeMember(memberId);
            }
            MemberMetadata old = group.member(previous).orElseThrow();
            MemberMetadata metadata = MemberUpdate.merge(config, Optional.of(old), request);
            draft.removeMember(previous);
            draft.append(new GroupRecord.Member(group.groupId(), memberId, Optional.of(metadata)));
            if (group.targetAssignment().containsKey(previous)) {
                draft.append(new GroupRecord.TargetMember(group.groupId(), memberId,
                        Optional.of(group.target(previous))));
            }
            // The new process owns nothing yet; it gets the kept target, which nobody else could take.
            draft.setCurrent(memberId, CurrentAssignment.initial());
            inputsChanged |= !old.sameAssignmentInputs(metadata);
        } else if (group.member(memberId).isPresent()) {
            MemberMetadata old = group.member(memberId).orElseThrow();
            MemberMetadata metadata = MemberUpdate.merge(config, Optional.of(old), request);
            if (!metadata.equals(old)) {
                draft.append(new GroupRecord.Member(group.groupId(), memberId, Optional.of(metadata)));
            }
            // A rejoin reports owning nothing: whatever the member held is released; its target stays.
            draft.setCurrent(memberId, CurrentAssignment.initial());
            inputsChanged = !old.sameAssignmentInputs(metadata);
        } else {
            draft.append(new GroupRecord.Member(group.groupId(), memberId,
                    Optional.of(MemberUpdate.merge(config, Optional.empty(), request))));
            inputsChanged = true;
        }
        Rebalancer.rebalance(draft, config, topics, inputsChanged);
        return reconcile(draft, memberId, Optional.of(Assignment.empty()));
    }

    private static GroupResult<HeartbeatResponse> regular(GroupConfig config, GroupDraft draft, HeartbeatRequest request,
                                                          Map<String, Integer> topics) {
        ConsumerGroup group = draft.group();
        String memberId = request.memberId();
        Optional<MemberMetadata> old = group.member(memberId);
        if (!draft.exists() || old.isEmpty()) {
            return GroupResult.rejected(GroupErrorCode.FENCED_MEMBER_EPOCH, "member " + memberId + " is not in group "
                    + request.groupId() + " (it left, its session expired, or the group was deleted): drop its "
                    + "partitions and rejoin with epoch 0");
        }
        Optional<GroupResult<HeartbeatResponse>> fencedInstance = fencedInstance(old.get(), request);
        if (fencedInstance.isPresent()) {
            return fencedInstance.get();
        }
        CurrentAssignment current = group.current(memberId);
        if (!epochAccepted(current, request)) {
            return GroupResult.rejected(GroupErrorCode.FENCED_MEMBER_EPOCH, "member " + memberId + " of group "
                    + request.groupId() + " sent epoch " + request.memberEpoch() + " but its epoch is "
                    + current.memberEpoch() + ": drop its partitions and rejoin with epoch 0");
        }
        MemberMetadata metadata = MemberUpdate.merge(config, old, request);
        if (!metadata.equals(old.get())) {
            draft.append(new GroupRecord.Member(group.groupId(), memberId, Optional.of(metadata)));
        }
        Rebalancer.rebalance(draft, config, topics, !old.get().sameAssignmentInputs(metadata));
        return reconcile(draft, memberId, request.ownedPartitions());
    }

    /**
     * The member's epoch, or its previous one when it missed the response that moved it on (then it
     * must not report partitions it was never given).
     */
    private static boolean epochAccepted(CurrentAssignment current, HeartbeatRequest request) {
        if (current.memberEpoch() == CurrentAssignment.STATIC_LEFT_EPOCH) {
            return false;
        }
        if (request.memberEpoch() == current.memberEpoch()) {
            return true;
        }
        return request.memberEpoch() == current.previousMemberEpoch()
                && request.memberEpoch() < current.memberEpoch()
                && request.ownedPartitions().map(owned -> current.assignedPartitions().containsAll(owned)).orElse(false);
    }

    private static GroupResult<HeartbeatResponse> reconcile(GroupDraft draft, String memberId,
                                                            Optional<Assignment> owned) {
        ConsumerGroup group = draft.group();
        Map<TopicPartition, String> owners = group.owners();
        CurrentAssignment next = Reconciler.reconcile(group.current(memberId), group.assignmentEpoch(),
                group.target(memberId), owned, tp -> {
                    String owner = owners.get(tp);
                    return owner != null && !owner.equals(memberId);
                });
        draft.setCurrent(memberId, next);
        return GroupResult.ok(draft.records(), new HeartbeatResponse(memberId, next.memberEpoch(),
                group.member(memberId).orElseThrow().heartbeatIntervalMs(), next.assignedPartitions()));
    }

    private static Optional<GroupResult<HeartbeatResponse>> unknownOrFencedInstance(GroupDraft draft,
                                                                                    HeartbeatRequest request) {
        Optional<MemberMetadata> member = draft.exists() ? draft.group().member(request.memberId()) : Optional.empty();
        if (member.isEmpty()) {
            return Optional.of(GroupResult.rejected(GroupErrorCode.UNKNOWN_MEMBER_ID, "group " + request.groupId()
                    + " has no member " + request.memberId() + ": it already left or was removed"));
        }
        return fencedInstance(member.get(), request);
    }

    private static Optional<GroupResult<HeartbeatResponse>> fencedInstance(MemberMetadata member,
                                                                           HeartbeatRequest request) {
        if (request.instanceId().isPresent() && !request.instanceId().equals(member.instanceId())) {
            return Optional.of(GroupResult.rejected(GroupErrorCode.FENCED_INSTANCE_ID, "member " + request.memberId()
                    + " of group " + request.groupId() + " has instance id " + member.instanceId().orElse("(none)")
                    + ", not " + request.instanceId().get() + ": send the instance id it joined with"));
        }
        return Optional.empty();
    }
}
