package io.wharf.broker.group;

import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.group.GroupResult;
import io.wharf.group.HeartbeatResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.common.Error;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Runs members' heartbeats on their group's shard, and holds those whose answer has nothing new
 * for the member ({@code max_wait_ms}, {@link HeldHeartbeats}) until the member has news, its hold
 * ends, it heartbeats again, or the shard stops leading.
 *
 * <p>Confined to the coordinator thread ({@link GroupCoordinatorService}).
 */
final class GroupHeartbeats {

    private final Clock clock;
    private final Supplier<Map<String, Integer>> topicPartitionCounts;
    private final Map<String, String> clientHosts;
    private final Duration commitTimeout;
    private final HeldHeartbeats held = new HeldHeartbeats();

    /**
     * @param topicPartitionCounts topic → partition count of what members may subscribe to
     * @param clientHosts          where each member last heartbeated from (group id + member id), updated here
     * @param commitTimeout        how long a heartbeat's records may take to be committed
     */
    GroupHeartbeats(Clock clock, Supplier<Map<String, Integer>> topicPartitionCounts, Map<String, String> clientHosts,
                    Duration commitTimeout) {
        this.clock = clock;
        this.topicPartitionCounts = topicPartitionCounts;
        this.clientHosts = clientHosts;
        this.commitTimeout = commitTimeout;
    }

    /** The answer to a heartbeat refused before it reached the state machine (routing, coordinator errors). */
    static GroupHeartbeatResponse failed(GroupHeartbeatRequest request, Error error) {
        return GroupHeartbeatResponse.newBuilder().setError(error).setMemberId(request.getMemberId())
                .setMemberEpoch(request.getMemberEpoch()).build();
    }

    /**
     * One heartbeat on {@code shard}, which leads {@code partition}: answered once its records are
     * committed, or later when it may be held.
     */
    CompletableFuture<GroupHeartbeatResponse> heartbeat(CoordinatorShard shard, Partition partition,
                                                        GroupHeartbeatRequest request, String clientHost) {
        // The member has moved on from a heartbeat still held: it gets what it would have had.
        held.release(request.getGroupId(), request.getMemberId()).ifPresent(HeldHeartbeats.Held::answerAsStored);
        Processed processed = process(shard, partition, request, clientHost);
        long now = clock.millis();
        if (processed.changedState()) {
            // Only a written record changes what any member is answered; a heartbeat that wrote
            // nothing cannot have news for the others, so they are not run again for nothing.
            groupChanged(shard, partition, request.getGroupId());
        }
        if (processed.answer() == null || !HeldHeartbeats.mayHold(request, processed.answer())) {
            return processed.reply();
        }
        CompletableFuture<GroupHeartbeatResponse> reply = new CompletableFuture<>();
        held.hold(new HeldHeartbeats.Held(request, clientHost, shard.topicPartition(), reply, processed.reply(),
                now + HeldHeartbeats.holdMs(request, processed.answer())));
        return reply;
    }

    /**
     * After the group changed (a member's heartbeat or leave that wrote records, an expiry), runs
     * each held heartbeat of the group again as if it had just arrived: one that now has news (or a
     * refusal) is answered once its records are committed; the others stay held until their
     * original deadline. News is a change of the member's own current assignment, which only its
     * own heartbeat writes, so its records follow those of the change in the log and their commit
     * covers both.
     */
    void groupChanged(CoordinatorShard shard, Partition partition, String groupId) {
        for (HeldHeartbeats.Held waiting : held.releaseGroup(groupId)) {
            Processed again;
            try {
                again = process(shard, partition, waiting.request(), waiting.clientHost());
            } catch (RuntimeException e) {
                // e.g. the append failed: the shard was reset; the member hears it as a coordinator error
                waiting.reply().completeExceptionally(e);
                continue;
            }
            if (again.answer() != null && HeldHeartbeats.mayHold(waiting.request(), again.answer())) {
                held.hold(waiting);
            } else {
                again.reply().whenComplete((answer, failure) -> {
                    if (failure != null) {
                        waiting.reply().completeExceptionally(failure);
                    } else {
                        waiting.reply().complete(answer);
                    }
                });
            }
        }
    }

    /**
     * Answers, with what they got when they arrived, the held heartbeats whose hold ended at
     * {@code nowMs} and those of shards this broker no longer leads (the member's next heartbeat
     * finds the new coordinator).
     */
    void tick(long nowMs, Predicate<TopicPartition> leading) {
        held.releaseDue(nowMs).forEach(HeldHeartbeats.Held::answerAsStored);
        held.releaseNotLed(leading).forEach(HeldHeartbeats.Held::answerAsStored);
    }

    /**
     * A heartbeat's answer, {@code null} when refused; the reply: that answer once its records are
     * committed, or the refusal; whether it wrote records (changed the group's replicated state).
     */
    private record Processed(GroupHeartbeatResponse answer, CompletableFuture<GroupHeartbeatResponse> reply,
                             boolean changedState) {
    }

    /** Runs one heartbeat through the state machine and appends its records. */
    private Processed process(CoordinatorShard shard, Partition partition, GroupHeartbeatRequest request,
                              String clientHost) {
        long now = clock.millis();
        GroupResult<HeartbeatResponse> result = shard.coordinator().heartbeat(GroupMessages.heartbeat(request),
                topicPartitionCounts.get(), now);
        if (!result.isOk()) {
            return new Processed(null, CompletableFuture.completedFuture(failed(request,
                    GroupMessages.error(result.error().get()))), false);
        }
        shard.apply(result);
        clientHosts.put(request.getGroupId() + "/" + request.getMemberId(), clientHost);
        GroupHeartbeatResponse answer = GroupMessages.heartbeat(result.response());
        CompletableFuture<GroupHeartbeatResponse> reply = shard.append(partition, now, now + commitTimeout.toMillis())
                .thenApply(hw -> answer);
        return new Processed(answer, reply, !result.records().isEmpty());
    }
}
