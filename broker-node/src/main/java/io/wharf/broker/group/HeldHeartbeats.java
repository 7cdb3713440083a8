package io.wharf.broker.group;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.common.ErrorCode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * The heartbeats the coordinator holds (their {@code max_wait_ms}) because their answer has
 * nothing new for the member: at most one per member, each until its member has news, its hold
 * ends, or it is released otherwise. Soft state, not replicated: a new coordinator holds nothing.
 *
 * <p>Confined to the coordinator thread ({@link GroupCoordinatorService}).
 */
final class HeldHeartbeats {

    /**
     * One held heartbeat.
     *
     * @param request    as it came, re-run as if it had just arrived when the member's group changes
     * @param clientHost where it came from
     * @param shard      the partition of the group's coordinator state
     * @param reply      what the gRPC call waits for
     * @param stored     the answer it got when it arrived (completing once its records are committed)
     * @param deadlineMs when the hold ends and {@code stored} is the answer
     */
    record Held(GroupHeartbeatRequest request, String clientHost, TopicPartition shard,
                CompletableFuture<GroupHeartbeatResponse> reply, CompletableFuture<GroupHeartbeatResponse> stored,
                long deadlineMs) {

        /** Answers with what the heartbeat got when it arrived. */
        void answerAsStored() {
            stored.whenComplete((answer, failure) -> {
                if (failure != null) {
                    reply.completeExceptionally(failure);
                } else {
                    reply.complete(answer);
                }
            });
        }
    }

    /** By group id + member id, in the order they were held. */
    private final Map<String, Held> held = new LinkedHashMap<>();

    /**
     * Whether {@code answer} tells the member nothing new, so the heartbeat may be held: a regular
     * heartbeat (epoch above 0) asking for a hold, answered without error at the epoch it sent, with
     * an assignment equal to the partitions it reports owning. A heartbeat without
     * {@code owned_partitions} ("unchanged") is answered at once: the coordinator knows what it gave
     * the member, not what the member owns, and tracking the last report per member for a request
     * our client never sends is not worth the state.
     */
    static boolean mayHold(GroupHeartbeatRequest request, GroupHeartbeatResponse answer) {
        return request.getMaxWaitMs() > 0 && request.getMemberEpoch() > 0 && request.hasOwnedPartitions()
                && answer.getError().getCode() == ErrorCode.NONE && answer.getMemberEpoch() == request.getMemberEpoch()
                && GroupMessages.assignment(answer.getAssignmentList())
                .equals(GroupMessages.assignment(request.getOwnedPartitions().getTopicsList()));
    }

    /** How long the heartbeat may be held: its {@code max_wait_ms}, capped at the member's heartbeat interval. */
    static long holdMs(GroupHeartbeatRequest request, GroupHeartbeatResponse answer) {
        return Math.min(request.getMaxWaitMs(), answer.getHeartbeatIntervalMs());
    }

    void hold(Held heartbeat) {
        held.put(key(heartbeat.request().getGroupId(), heartbeat.request().getMemberId()), heartbeat);
    }

    /** Removes and returns the member's held heartbeat, if any. */
    Optional<Held> release(String groupId, String memberId) {
        return Optional.ofNullable(held.remove(key(groupId, memberId)));
    }

    /** Removes and returns every held heartbeat of the group. */
    List<Held> releaseGroup(String groupId) {
        return releaseIf(h -> h.request().getGroupId().equals(groupId));
    }

    /** Removes and returns the held heartbeats whose hold ended at {@code nowMs}. */
    List<Held> releaseDue(long nowMs) {
        return releaseIf(h -> h.deadlineMs() <= nowMs);
    }

    /** Removes and returns the held heartbeats of shards this broker no longer leads. */
    List<Held> releaseNotLed(Predicate<TopicPartition> leading) {
        return releaseIf(h -> !leading.test(h.shard()));
    }

    private List<Held> releaseIf(Predicate<Held> condition) {
        List<Held> released = new ArrayList<>();
        for (Iterator<Held> it = held.values().iterator(); it.hasNext(); ) {
            Held next = it.next();
            if (condition.test(next)) {
                it.remove();
                released.add(next);
            }
        }
        return released;
    }

    private static String key(String groupId, String memberId) {
        return groupId + "/" + memberId;
    }
}
