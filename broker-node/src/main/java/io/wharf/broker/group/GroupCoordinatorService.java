package io.wharf.broker.group;

import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.group.ConsumerGroup;
import io.wharf.group.GroupConfig;
import io.wharf.group.GroupCoordinator;
import io.wharf.group.GroupError;
import io.wharf.group.GroupMemberId;
import io.wharf.group.GroupResult;
import io.wharf.group.GroupsImage;
import io.wharf.group.OffsetCommitRequest;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.broker.DeleteGroupRequest;
import io.wharf.proto.broker.DeleteGroupResponse;
import io.wharf.proto.broker.DeleteOffsetsRequest;
import io.wharf.proto.broker.DeleteOffsetsResponse;
import io.wharf.proto.broker.DescribeGroupRequest;
import io.wharf.proto.broker.DescribeGroupResponse;
import io.wharf.proto.broker.FindCoordinatorRequest;
import io.wharf.proto.broker.FindCoordinatorResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.ListGroupsResponse;
import io.wharf.proto.broker.ListedGroup;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitPartitionResult;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.replication.replica.ReplicationException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's group coordinator: serves the group RPCs for the groups whose partition of
 * {@value OffsetsTopic#NAME} this broker leads, and keeps a {@link CoordinatorShard} in step with
 * every partition of that topic it hosts, leader or follower.
 *
 * <p>Everything that touches a shard runs on one thread, {@code broker-N-groups}: requests, the
 * periodic sync with the partitions' roles and logs ({@value #TICK_MS} ms), session expiry, and
 * the heartbeats held until their member has news ({@link GroupHeartbeats}).
 * Writes are answered once their records are committed (the high watermark passed them), by the
 * thread that moves it. A read (offsets, describe) is computed from the leader's latest state and
 * held until the records that state came from are committed ({@link HighWatermarkWait}), so it
 * never shows what a failover could take back.
 *
 * <p>The topic is created on first use: the first FindCoordinator asks the controllers for it
 * ({@code offsets.topic.num.partitions}, {@code offsets.topic.replication.factor} capped at the
 * active brokers), on a second thread, {@code broker-N-offsets-topic}, since that call blocks.
 * {@link #close()} stops both threads.
 */
public final class GroupCoordinatorService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupCoordinatorService.class);
    static final long TICK_MS = 100;

    /**
     * @param offsetsTopicPartitions        partitions of the topic when this broker creates it
     * @param offsetsTopicReplicationFactor its replication factor, capped at the active brokers
     * @param offsetsTopicSegmentBytes      its segment.bytes (the cleaner compacts only closed segments)
     * @param commitTimeout                 how long a write may wait for its records to be committed
     * @param groups                        the coordinator's timeouts, bounds and assignors
     */
    public record Settings(int offsetsTopicPartitions, int offsetsTopicReplicationFactor, int offsetsTopicSegmentBytes,
                           Duration commitTimeout, GroupConfig groups) {
    }

    private final int brokerId;
    private final Settings settings;
    private final PartitionRegistry registry;
    private final PartitionLookup lookup;
    private final Supplier<MetadataImage> image;
    private final ControllerChannels controllers;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final ExecutorService topicCreator;
    private final AtomicBoolean creatingTopic = new AtomicBoolean();
    /** Confined to {@link #thread}. */
    private final Map<TopicPartition, CoordinatorShard> shards = new HashMap<>();
    /** Where each member last heartbeated from (group id + member id); soft state for describe. */
    private final Map<String, String> clientHosts = new ConcurrentHashMap<>();
    /** Confined to {@link #thread}. */
    private final GroupHeartbeats heartbeats;

    public GroupCoordinatorService(int brokerId, Settings settings, PartitionRegistry registry, PartitionLookup lookup,
                                   Supplier<MetadataImage> image, ControllerChannels controllers, Clock clock) {
        this.brokerId = brokerId;
        this.settings = settings;
        this.registry = registry;
        this.lookup = lookup;
        this.image = image;
        this.controllers = controllers;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-groups"));
        this.topicCreator = Executors.newSingleThreadExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-offsets-topic"));
        this.heartbeats = new GroupHeartbeats(clock, this::topicPartitionCounts, clientHosts,
                settings.commitTimeout());
        thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /** Where a group's coordinator is; asks for the topic when it does not exist yet. */
    public FindCoordinatorResponse findCoordinator(FindCoordinatorRequest request) {
        FindCoordinatorResponse.Builder response = FindCoordinatorResponse.newBuilder().setCoordinatorId(-1);
        Optional<Error> refused = routingError(request.getGroupId());
        if (refused.isPresent()) {
            return response.setError(refused.get()).build();
        }
        MetadataImage current = image.get();
        TopicImage topic = current.topic(OffsetsTopic.NAME).orElseThrow();
        int partition = OffsetsTopic.partitionFor(request.getGroupId(), topic.partitions().size());
        int leader = topic.partition(partition).map(PartitionState::leader).orElse(PartitionState.NO_LEADER);
        Optional<BrokerRegistration> coordinator = leader == PartitionState.NO_LEADER ? Optional.empty()
                : current.broker(leader);
        if (coordinator.isEmpty()) {
            return response.setError(PartitionLookup.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, OffsetsTopic.NAME
                    + "-" + partition + ", where group " + request.getGroupId() + " lives, has no leader right now; "
                    + "retry shortly")).build();
        }
        return response.setError(PartitionLookup.none()).setCoordinatorId(leader)
                .setHost(coordinator.get().host()).setPort(coordinator.get().port()).build();
    }

    /**
     * One member's heartbeat; {@code clientHost} is where it came from, for describe. A heartbeat
     * with {@code max_wait_ms} whose answer has nothing new for the member may be held until the
     * member has news ({@link GroupHeartbeats}).
     */
    public CompletableFuture<GroupHeartbeatResponse> heartbeat(GroupHeartbeatRequest request, String clientHost) {
        return onCoordinator(request.getGroupId(), error -> GroupHeartbeats.failed(request, error),
                (shard, partition) -> heartbeats.heartbeat(shard, partition, request, clientHost));
    }

    /** Commits offsets of several partitions: each accepted or refused on its own, all written in one batch. */
    public CompletableFuture<OffsetCommitResponse> commitOffsets(io.wharf.proto.broker.OffsetCommitRequest request) {
        Function<Error, OffsetCommitResponse> failed = error -> OffsetCommitResponse.newBuilder().setError(error)
                .build();
        return onCoordinator(request.getGroupId(), failed, (shard, partition) -> {
            long now = clock.millis();
            OffsetCommitResponse.Builder response = OffsetCommitResponse.newBuilder().setError(PartitionLookup.none());
            for (OffsetCommitPartition commit : request.getPartitionsList()) {
                GroupResult<?> result = shard.coordinator().commitOffset(new OffsetCommitRequest(request.getGroupId(),
                        request.getMemberId(), request.getMemberEpoch(),
                        new io.wharf.group.TopicPartition(commit.getTopic(), commit.getPartition()), commit.getOffset(),
                        commit.getLeaderEpoch(), commit.getMetadata(), now));
                shard.apply(result);
                response.addPartitions(OffsetCommitPartitionResult.newBuilder().setTopic(commit.getTopic())
                        .setPartition(commit.getPartition()).setError(result.error().map(GroupMessages::error)
                                .orElse(PartitionLookup.none())));
            }
            OffsetCommitResponse answer = response.build();
            return whenAppendedAndCommitted(shard, partition, now, answer);
        });
    }

    /** The group's committed offsets, of the requested topics or of all. */
    public CompletableFuture<OffsetFetchResponse> fetchOffsets(OffsetFetchRequest request) {
        Function<Error, OffsetFetchResponse> failed = error -> OffsetFetchResponse.newBuilder().setError(error).build();
        return onCoordinator(request.getGroupId(), failed, (shard, partition) -> {
            GroupCoordinator coordinator = shard.coordinator();
            var result = request.getTopicsCount() == 0 ? coordinator.fetchOffsets(request.getGroupId())
                    : coordinator.fetchOffsets(request.getGroupId(), Set.copyOf(request.getTopicsList()));
            if (!result.isOk()) {
                return CompletableFuture.completedFuture(failed.apply(GroupMessages.error(result.error().get())));
            }
            return whenCommitted(shard, partition, OffsetFetchResponse.newBuilder().setError(PartitionLookup.none())
                    .addAllOffsets(GroupMessages.offsets(result.response())).build());
        });
    }

    /** The group's state, members and offsets as its coordinator holds them. */
    public CompletableFuture<DescribeGroupResponse> describeGroup(DescribeGroupRequest request) {
        Function<Error, DescribeGroupResponse> failed = error -> DescribeGroupResponse.newBuilder().setError(error)
                .setGroupId(request.getGroupId()).build();
        return onCoordinator(request.getGroupId(), failed, (shard, partition) -> {
            Optional<ConsumerGroup> group = shard.coordinator().group(request.getGroupId());
            if (group.isEmpty()) {
                return CompletableFuture.completedFuture(failed.apply(PartitionLookup.error(
                        ErrorCode.GROUP_ID_NOT_FOUND, "group " + request.getGroupId() + " does not exist")));
            }
            Map<String, String> hosts = new HashMap<>();
            group.get().members().keySet().forEach(memberId -> hosts.put(memberId,
                    clientHosts.getOrDefault(request.getGroupId() + "/" + memberId, "")));
            DescribeGroupResponse.Builder response = GroupMessages.describe(group.get(), hosts).setCoordinatorId(brokerId);
            var offsets = shard.coordinator().fetchOffsets(request.getGroupId());
            if (offsets.isOk()) {
                response.addAllOffsets(GroupMessages.offsets(offsets.response()));
            }
            return whenCommitted(shard, partition, response.build());
        });
    }

    /** Appends the records the operation applied, and gives {@code answer} once they are committed. */
    private <T> CompletableFuture<T> whenAppendedAndCommitted(CoordinatorShard shard, Partition partition, long nowMs,
                                                              T answer) {
        return shard.append(partition, nowMs, nowMs + settings.commitTimeout().toMillis()).thenApply(hw -> answer);
    }

    /**
     * {@code answer}, computed from the shard's state, once everything that state was built from
     * is committed: a read never shows a write that a failover could still undo.
     */
    private <T> CompletableFuture<T> whenCommitted(CoordinatorShard shard, Partition partition, T answer) {
        return HighWatermarkWait.until(partition, shard.stateEnd(), thread, settings.commitTimeout())
                .thenApply(committed -> answer);
    }

    /** The groups this broker coordinates. */
    public CompletableFuture<ListGroupsResponse> listGroups() {
        return CompletableFuture.supplyAsync(() -> {
            syncAll();
            ListGroupsResponse.Builder response = ListGroupsResponse.newBuilder();
            shards.values().stream().filter(CoordinatorShard::isLeading).forEach(shard ->
                    shard.coordinator().image().groups().values().forEach(group -> response.addGroups(
                            ListedGroup.newBuilder().setGroupId(group.groupId()).setState(group.state().name())
                                    .setMembers(group.members().size()))));
            return response.build();
        }, thread);
    }

    /** Deletes a group without members, with its offsets. */
    public CompletableFuture<DeleteGroupResponse> deleteGroup(DeleteGroupRequest request) {
        Function<Error, DeleteGroupResponse> failed = error -> DeleteGroupResponse.newBuilder().setError(error).build();
        return onCoordinator(request.getGroupId(), failed, (shard, partition) -> {
            GroupResult<Integer> result = shard.coordinator().deleteGroup(request.getGroupId());
            if (!result.isOk()) {
                return CompletableFuture.completedFuture(failed.apply(GroupMessages.error(result.error().get())));
            }
            shard.apply(result);
            long now = clock.millis();
            DeleteGroupResponse answer = DeleteGroupResponse.newBuilder().setError(PartitionLookup.none())
                    .setOffsetsDeleted(result.response()).build();
            return whenAppendedAndCommitted(shard, partition, now, answer);
        });
    }

    /** Deletes a group's offsets of one topic. */
    public CompletableFuture<DeleteOffsetsResponse> deleteOffsets(DeleteOffsetsRequest request) {
        Function<Error, DeleteOffsetsResponse> failed = error -> DeleteOffsetsResponse.newBuilder().setError(error)
                .build();
        return onCoordinator(request.getGroupId(), failed, (shard, partition) -> {
            GroupResult<Integer> result = shard.coordinator().deleteOffsets(request.getGroupId(), request.getTopic());
            if (!result.isOk()) {
                return CompletableFuture.completedFuture(failed.apply(GroupMessages.error(result.error().get())));
            }
            shard.apply(result);
            long now = clock.millis();
            DeleteOffsetsResponse answer = DeleteOffsetsResponse.newBuilder().setError(PartitionLookup.none())
                    .setOffsetsDeleted(result.response()).build();
            return whenAppendedAndCommitted(shard, partition, now, answer);
        });
    }

    /** An operation on the shard of a group's partition, run on the coordinator thread. */
    @FunctionalInterface
    private interface ShardOperation<T> {
        CompletableFuture<T> run(CoordinatorShard shard, Partition partition);
    }

    /**
     * Runs {@code operation} on the coordinator thread for the group's shard, once this broker is
     * found to lead the group's partition; any failure becomes {@code failed}'s response.
     */
    private <T> CompletableFuture<T> onCoordinator(String groupId, Function<Error, T> failed,
                                                   ShardOperation<T> operation) {
        Optional<Error> refused = routingError(groupId);
        if (refused.isPresent()) {
            return CompletableFuture.completedFuture(failed.apply(refused.get()));
        }
        int partitions = image.get().topic(OffsetsTopic.NAME).orElseThrow().partitions().size();
        int index = OffsetsTopic.partitionFor(groupId, partitions);
        Partition partition;
        try {
            partition = lookup.leader(OffsetsTopic.NAME, index);
        } catch (RuntimeException e) {
            return CompletableFuture.completedFuture(failed.apply(notCoordinator(groupId, index, e)));
        }
        return CompletableFuture.supplyAsync(() -> {
            CoordinatorShard shard = shards.computeIfAbsent(partition.topicPartition(),
                    tp -> new CoordinatorShard(tp, settings.groups()));
            shard.follow(partition);
            if (!shard.isLeading()) {
                return CompletableFuture.completedFuture(failed.apply(notCoordinator(groupId, index,
                        new ReplicationException(ErrorCode.NOT_LEADER, "broker " + brokerId + " no longer leads "
                                + OffsetsTopic.NAME + "-" + index))));
            }
            return operation.run(shard, partition);
        }, thread).thenCompose(Function.identity()).exceptionally(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            RuntimeException asRuntime = cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
            return failed.apply(notCoordinator(groupId, index, asRuntime));
        });
    }

    /**
     * INVALID_GROUP_ID for a bad id; COORDINATOR_NOT_AVAILABLE while the topic does not exist
     * (its creation is requested); empty when the request may be routed.
     */
    private Optional<Error> routingError(String groupId) {
        Optional<GroupError> invalid = GroupError.checkGroupId(groupId);
        if (invalid.isPresent()) {
            return Optional.of(GroupMessages.error(invalid.get()));
        }
        if (image.get().topic(OffsetsTopic.NAME).isEmpty()) {
            requestTopic();
            return Optional.of(PartitionLookup.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, OffsetsTopic.NAME
                    + " is being created for the first group; retry shortly"));
        }
        return Optional.empty();
    }

    /**
     * The error for a request this broker cannot coordinate: NOT_COORDINATOR naming the group's
     * coordinator when the partition has a leader elsewhere; COORDINATOR_NOT_AVAILABLE when it
     * has none or its write could not be committed; the failure's own code otherwise.
     */
    private Error notCoordinator(String groupId, int index, RuntimeException failure) {
        ErrorCode code = failure instanceof ReplicationException e ? e.errorCode() : ErrorCode.UNKNOWN_SERVER_ERROR;
        if (code == ErrorCode.NOT_LEADER) {
            Error located = lookup.toError(failure, OffsetsTopic.NAME, index);
            ErrorCode answer = located.getLeaderId() >= 0 && located.getLeaderId() != brokerId
                    ? ErrorCode.NOT_COORDINATOR : ErrorCode.COORDINATOR_NOT_AVAILABLE;
            return located.toBuilder().setCode(answer).setMessage("broker " + brokerId
                    + " is not the coordinator of group " + groupId + ": " + located.getMessage()).build();
        }
        if (code == ErrorCode.NOT_ENOUGH_REPLICAS || code == ErrorCode.STORAGE_ERROR) {
            return PartitionLookup.error(ErrorCode.COORDINATOR_NOT_AVAILABLE, "the coordinator of group " + groupId
                    + " cannot commit to " + OffsetsTopic.NAME + "-" + index + " now (" + failure.getMessage()
                    + "); retry shortly");
        }
        return lookup.toError(failure, OffsetsTopic.NAME, index);
    }

    /** topic → partition count of every topic but the internal one: what members may subscribe to. */
    private Map<String, Integer> topicPartitionCounts() {
        Map<String, Integer> counts = new HashMap<>();
        image.get().topics().forEach((name, topic) -> {
            if (!name.equals(OffsetsTopic.NAME)) {
                counts.put(name, topic.partitions().size());
            }
        });
        return counts;
    }

    private void requestTopic() {
        if (!creatingTopic.compareAndSet(false, true)) {
            return;
        }
        topicCreator.execute(() -> {
            try {
                int active = image.get().activeBrokerIds().size();
                CreateTopicsRequest request = CreateTopicsRequest.newBuilder().addTopics(OffsetsTopic.spec(
                        settings.offsetsTopicPartitions(), settings.offsetsTopicReplicationFactor(),
                        settings.offsetsTopicSegmentBytes(), active)).build();
                CreateTopicsResponse response = controllers.call(ControllerChannels.Target.ANY,
                        stub -> stub.createTopics(request),
                        r -> r.getResultsCount() == 0 ? PartitionLookup.none() : r.getResults(0).getError());
                Error error = response.getResultsCount() == 0 ? PartitionLookup.none()
                        : response.getResults(0).getError();
                if (error.getCode() != ErrorCode.NONE && error.getCode() != ErrorCode.TOPIC_ALREADY_EXISTS) {
                    LOG.warn("Broker {} could not create {}: {} {}", brokerId, OffsetsTopic.NAME, error.getCode(),
                            error.getMessage());
                } else {
                    LOG.info("Broker {} had {} created for the first consumer group", brokerId, OffsetsTopic.NAME);
                }
            } catch (ControllerUnavailableException | RuntimeException e) {
                LOG.warn("Broker {} could not create {}: {}", brokerId, OffsetsTopic.NAME, e.toString());
            } finally {
                creatingTopic.set(false);
            }
        });
    }

    /**
     * Keeps every shard in step with its partition, removes members whose session or revocation
     * time ran out (waking the held heartbeats of their groups), and answers held heartbeats whose
     * hold ended or whose shard this broker no longer leads (the member's next heartbeat finds the
     * new coordinator).
     */
    private void tick() {
        try {
            syncAll();
            long now = clock.millis();
            for (CoordinatorShard shard : shards.values()) {
                if (!shard.isLeading()) {
                    continue;
                }
                Optional<Partition> partition = registry.partition(shard.topicPartition());
                if (partition.isEmpty()) {
                    continue;
                }
                var expired = shard.coordinator().expireMembers(now);
                if (!expired.response().isEmpty()) {
                    LOG.info("Broker {} removed group members whose time ran out: {}", brokerId, expired.response());
                    shard.apply(expired);
                    shard.append(partition.get(), now, now + settings.commitTimeout().toMillis())
                            .whenComplete((hw, failure) -> {
                                if (failure != null) {
                                    LOG.warn("Broker {}: the removal of {} was not committed: {}", brokerId,
                                            expired.response(), failure.toString());
                                }
                            });
                    expired.response().stream().map(GroupMemberId::groupId).distinct()
                            .forEach(groupId -> heartbeats.groupChanged(shard, partition.get(), groupId));
                }
            }
            heartbeats.tick(now, tp -> shards.containsKey(tp) && shards.get(tp).isLeading());
        } catch (RuntimeException e) {
            LOG.error("Broker {} group coordinator tick failed", brokerId, e);
        }
    }

    /** Creates, follows and drops shards as the partitions of the topic come and go on this broker. */
    private void syncAll() {
        Set<TopicPartition> hosted = new HashSet<>();
        for (Partition partition : registry.partitions()) {
            if (!partition.topicPartition().topic().equals(OffsetsTopic.NAME)) {
                continue;
            }
            hosted.add(partition.topicPartition());
            CoordinatorShard shard = shards.computeIfAbsent(partition.topicPartition(),
                    tp -> new CoordinatorShard(tp, settings.groups()));
            try {
                shard.follow(partition);
            } catch (RuntimeException e) {
                // A closed or offline replica: it leaves the registry, and the shard with it.
                LOG.debug("Broker {} could not bring {} up to date: {}", brokerId, partition.topicPartition(),
                        e.toString());
            }
        }
        shards.keySet().retainAll(hosted);
    }

    /**
     * The state of the shards this broker leads, brought up to date on the coordinator's thread:
     * every group it coordinates with its committed offsets. Fails with a
     * {@link java.util.concurrent.RejectedExecutionException} once closed.
     */
    public CompletableFuture<List<GroupsImage>> ledGroups() {
        return CompletableFuture.supplyAsync(() -> {
            syncAll();
            return shards.values().stream().filter(CoordinatorShard::isLeading)
                    .map(shard -> shard.coordinator().image()).toList();
        }, thread);
    }

    @Override
    public void close() {
        if (!ServiceThreads.stop(Duration.ofSeconds(5), thread, topicCreator)) {
            LOG.warn("Broker {} group coordinator threads did not stop within 5 s", brokerId);
        }
    }

    /**
     * The group state this broker has replayed for its replica of {@code partition} (leader or
     * follower), after bringing it up to date; empty when it hosts no such replica. For
     * inspection by tests and tools.
     */
    public Optional<GroupsImage> replayedState(TopicPartition partition) {
        return CompletableFuture.supplyAsync(() -> {
            syncAll();
            return Optional.ofNullable(shards.get(partition)).map(shard -> shard.coordinator().image());
        }, thread).join();
    }
}
