package io.wharf.client.consumer;

import io.wharf.client.ClientException;
import io.wharf.client.DaemonThreads;
import io.wharf.client.TopicPartition;
import io.wharf.client.group.GroupCoordinatorClient;
import io.wharf.proto.broker.CommittedPartitionOffset;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.GroupTopicPartitions;
import io.wharf.proto.broker.OffsetCommitPartition;
import io.wharf.proto.broker.OffsetCommitPartitionResult;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.broker.OwnedPartitions;
import io.wharf.proto.broker.TopicNames;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;

/**
 * One consumer's membership of its group, in Kafka 4's consumer protocol (KIP-848): heartbeats
 * on its own thread (a stable member's held heartbeats on {@link HeldHeartbeatSender}'s), carrying
 * the subscription and the partitions the consumer owns, and learns the member epoch and the
 * target assignment; commits and fetches offsets with that epoch. The
 * member id is generated once and kept across rejoins. This class never touches the consumer's
 * partitions: the poll thread reads {@link #target()}, applies it and reports what it owns with
 * {@link #owned}; after a fence it drops everything and calls {@link #lostHandled}, and only then
 * does the member rejoin (epoch 0), so it never joins while still fetching old partitions.
 * Thread-safe.
 */
final class GroupMember implements AutoCloseable {

    /**
     * What the poll thread must act on, in this order: a fatal error; the loss of every partition
     * (fenced); the partitions to own now (null before the first assignment since the last join),
     * with the member epoch the coordinator gave them at (read together, so the two always match).
     */
    record Target(ClientException fatal, boolean lost, Set<TopicPartition> partitions, int memberEpoch) {
    }

    private final String groupId;
    private final ConsumerConfig config;
    private final GroupCoordinatorClient coordinator;
    private final Runnable wakeup;
    private final String memberId = UUID.randomUUID().toString();
    private final ScheduledExecutorService heartbeatThread;
    private final ExecutorService commitThread;
    private final HeldHeartbeatSender heldHeartbeats;

    // guarded by this
    private List<String> topics = List.of();
    private String regex;
    private int subscriptionVersion;
    private int sentSubscriptionVersion = -1;
    private int memberEpoch;
    private int heartbeatIntervalMs = 5000;
    private Set<TopicPartition> target;
    private Set<TopicPartition> owned = Set.of();
    private boolean lost;
    private ClientException fatal;
    private long heartbeats;
    private boolean running;
    /** The running heartbeat is a held one, on {@link #heldHeartbeats}' thread: an urgent one cancels it. */
    private boolean holding;
    private boolean requested;
    private boolean closed;
    /** When the poll thread last polled; heartbeats stop (the member leaves) max.poll.interval.ms after. */
    private long lastPollMs = System.currentTimeMillis();
    /** Left the group because poll was not called in time; the next poll rejoins. */
    private boolean pollExpired;
    private long scheduled;
    private ScheduledFuture<?> next;

    /**
     * @param wakeup called (on the heartbeat thread) when the poll thread has something to act on
     */
    GroupMember(String groupId, ConsumerConfig config, GroupCoordinatorClient coordinator, Runnable wakeup) {
        this.groupId = groupId;
        this.config = config;
        this.coordinator = coordinator;
        this.wakeup = wakeup;
        this.heartbeatThread = Executors.newSingleThreadScheduledExecutor(DaemonThreads.single("wharf-heartbeat-" + groupId));
        // async commits wait for heartbeats on STALE_MEMBER_EPOCH, so they cannot run on the heartbeat thread
        this.commitThread = Executors.newSingleThreadExecutor(DaemonThreads.single("wharf-commit-" + groupId));
        this.heldHeartbeats = new HeldHeartbeatSender(groupId, coordinator);
    }

    /** Subscribes to these topic names (replacing any subscription) and heartbeats now. */
    synchronized void subscribe(Collection<String> names) {
        topics = List.copyOf(names);
        regex = null;
        subscriptionVersion++;
        heartbeatNow();
    }

    /** Subscribes to the topics whose whole name matches {@code pattern} (a java.util.regex) and heartbeats now. */
    synchronized void subscribe(String pattern) {
        topics = List.of();
        regex = pattern;
        subscriptionVersion++;
        heartbeatNow();
    }

    synchronized Target target() {
        return new Target(fatal, lost, target, memberEpoch);
    }

    /** The id this member joins with, generated once and kept across rejoins. */
    String memberId() {
        return memberId;
    }

    /** The member epoch to commit with; 0 while (re)joining. */
    synchronized int epoch() {
        return memberEpoch;
    }

    /** The poll thread owns exactly these partitions now; a change is reported by a heartbeat at once. */
    synchronized void owned(Set<TopicPartition> partitions) {
        if (!partitions.equals(owned)) {
            owned = Set.copyOf(partitions);
            heartbeatNow();
        }
    }

    /**
     * The poll thread is in poll: restarts the max.poll.interval.ms clock, and after the member
     * left because that clock ran out, rejoins (once the lost partitions are dropped).
     */
    synchronized void polled() {
        lastPollMs = System.currentTimeMillis();
        if (pollExpired) {
            pollExpired = false;
            if (!lost && !closed && fatal == null) {
                schedule(0);
            }
        }
    }

    /** The poll thread dropped every partition after a fence: rejoin now, with epoch 0 and the same member id. */
    synchronized void lostHandled() {
        lost = false;
        owned = Set.of();
        if (!closed && !pollExpired) {
            schedule(0);
        }
    }

    /** Sends a heartbeat as soon as possible (after the one running, if any). Under the lock. */
    private void heartbeatNow() {
        requested = true;
        if (holding) {
            heldHeartbeats.cancel(); // its outcome schedules the heartbeat at once, as requested
        } else if (!running && !closed && !lost && fatal == null && !pollExpired) {
            schedule(0);
        }
    }

    /** Replaces the pending heartbeat by one in {@code delayMs}; a superseded task finds itself stale and does nothing. */
    private void schedule(long delayMs) {
        long seq = ++scheduled;
        if (next != null) {
            next.cancel(false);
        }
        next = heartbeatThread.schedule(() -> heartbeat(seq), delayMs, TimeUnit.MILLISECONDS);
    }

    private void heartbeat(long seq) {
        GroupHeartbeatRequest request;
        int version;
        Duration timeout;
        synchronized (this) {
            if (seq != scheduled || closed || lost || fatal != null) {
                return;
            }
            running = true;
            requested = false;
            version = subscriptionVersion;
            timeout = Duration.ofMillis(Math.max(heartbeatIntervalMs, config.retryBackoff().toMillis()));
            if (memberEpoch > 0 && System.currentTimeMillis() - lastPollMs > config.maxPollInterval().toMillis()) {
                // the application is stuck (or too slow): leave, so the others get its partitions, as Kafka does
                request = leaveRequest();
                pollExpired = true;
                memberEpoch = 0;
                target = null;
                lost = !owned.isEmpty();
            } else if (isStable()) {
                // Nothing to report: the coordinator may hold this one until the member has news.
                request = request(memberEpoch).toBuilder().setMaxWaitMs(heartbeatIntervalMs).build();
                holding = true;
                heldHeartbeats.send(request, config.requestTimeout(), timeout,
                        (response, failure, tookMs) -> finish(request, version, response, failure, tookMs));
                return;
            } else {
                request = request(memberEpoch);
            }
        }
        if (request.getMemberEpoch() < 0) {
            leave(request, timeout);
            synchronized (this) {
                running = false;
                notifyAll();
            }
            wakeup.run();
            return;
        }
        GroupHeartbeatResponse response = null;
        ClientException failure = null;
        try {
            response = coordinator.call(groupId, "GroupHeartbeat", stub -> stub.groupHeartbeat(request),
                    GroupHeartbeatResponse::getError, timeout);
        } catch (ClientException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "GroupHeartbeat of group '" + groupId
                    + "' failed: " + e, e);
        }
        finish(request, version, response, failure, -1);
    }

    /**
     * Whether the member has nothing to tell the coordinator: it joined, owns exactly its latest
     * assignment and its subscription was sent. Under the lock.
     */
    private boolean isStable() {
        return memberEpoch > 0 && target != null && owned.equals(target) && sentSubscriptionVersion == subscriptionVersion;
    }

    /**
     * Applies a heartbeat's outcome and schedules the next one. After a held heartbeat
     * ({@code heldForMs} ≥ 0) that was answered, the next comes a heartbeat interval after the
     * held one was sent, so a coordinator that answers at once sees the usual cadence.
     */
    private void finish(GroupHeartbeatRequest request, int version, GroupHeartbeatResponse response,
                        ClientException failure, long heldForMs) {
        boolean wake;
        synchronized (this) {
            running = false;
            holding = false;
            wake = apply(request, version, response, failure);
            if (!closed && !lost && fatal == null && !pollExpired) {
                ErrorCode code = failure == null ? response.getError().getCode() : failure.code();
                long delay = delayAfter(code);
                if (heldForMs >= 0 && code == ErrorCode.NONE) {
                    delay = Math.max(0, heartbeatIntervalMs - heldForMs);
                }
                schedule(requested ? 0 : delay);
            }
            notifyAll();
        }
        if (wake) {
            wakeup.run();
        }
    }

    private long delayAfter(ErrorCode code) {
        return code == ErrorCode.NONE ? heartbeatIntervalMs
                : code == ErrorCode.FENCED_MEMBER_EPOCH || code == ErrorCode.UNKNOWN_MEMBER_ID ? 0
                : config.retryBackoff().toMillis();
    }

    /** Applies a heartbeat's outcome; returns whether the poll thread has something new to act on. Under the lock. */
    private boolean apply(GroupHeartbeatRequest request, int version, GroupHeartbeatResponse response,
                          ClientException failure) {
        if (failure != null) {
            if (GroupCoordinatorClient.isRetriable(failure.code())) {
                return false; // the coordinator is away: keep trying; a long absence ends in a fence
            }
            fatal = failure;
            return true;
        }
        ErrorCode code = response.getError().getCode();
        switch (code) {
            case NONE -> {
                memberEpoch = response.getMemberEpoch();
                if (response.getHeartbeatIntervalMs() > 0) {
                    heartbeatIntervalMs = response.getHeartbeatIntervalMs();
                }
                if (request.hasSubscribedTopicNames() || request.hasSubscribedTopicRegex()) {
                    sentSubscriptionVersion = version;
                }
                heartbeats++;
                Set<TopicPartition> assignment = partitions(response.getAssignmentList());
                if (assignment.equals(target)) {
                    return false;
                }
                target = assignment;
                return true;
            }
            case FENCED_MEMBER_EPOCH, UNKNOWN_MEMBER_ID -> {
                memberEpoch = 0;
                target = null;
                lost = !owned.isEmpty(); // with nothing owned there is nothing to drop: rejoin at once
                return lost;
            }
            case UNRELEASED_INSTANCE_ID, STALE_MEMBER_EPOCH -> {
                return false; // retriable: the next heartbeat tries again
            }
            default -> {
                fatal = new ClientException(code, "GroupHeartbeat of group '" + groupId + "' failed: " + code + " "
                        + response.getError().getMessage());
                return true;
            }
        }
    }

    /** A heartbeat at {@code epoch}; absent optional fields mean "unchanged" to the coordinator. Under the lock. */
    private GroupHeartbeatRequest request(int epoch) {
        GroupHeartbeatRequest.Builder request = GroupHeartbeatRequest.newBuilder().setGroupId(groupId)
                .setMemberId(memberId).setMemberEpoch(epoch);
        config.groupInstanceId().ifPresent(request::setInstanceId);
        if (epoch == 0 || sentSubscriptionVersion != subscriptionVersion) {
            if (regex != null) {
                request.setSubscribedTopicRegex(regex);
            } else {
                request.setSubscribedTopicNames(TopicNames.newBuilder().addAllNames(topics));
            }
        }
        if (epoch == 0) {
            request.setSessionTimeoutMs((int) config.sessionTimeout().toMillis())
                    .setRebalanceTimeoutMs((int) config.maxPollInterval().toMillis());
            config.groupRemoteAssignor().ifPresent(request::setServerAssignor);
        }
        if (epoch >= 0) {
            request.setOwnedPartitions(OwnedPartitions.newBuilder().addAllTopics(epoch == 0 ? List.of() : wire(owned)));
        }
        return request.build();
    }

    /** Blocks until a heartbeat after the {@code seen}-th succeeded, or the deadline passed. */
    private synchronized void awaitHeartbeat(long seen, long deadlineMs) {
        heartbeatNow();
        while (heartbeats <= seen && fatal == null && !closed) {
            long wait = deadlineMs - System.currentTimeMillis();
            if (wait <= 0) {
                return;
            }
            try {
                wait(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for a heartbeat", e);
            }
        }
    }

    /**
     * Commits {@code offsets} (next offset to consume) with the member's epoch, once the async
     * commits sent before have finished (so they cannot land after it). A STALE_MEMBER_EPOCH is
     * retried after the next heartbeat, coordinator errors after finding the coordinator again,
     * until {@code timeout}.
     *
     * @throws ClientException with the code that refused the commit (e.g. FENCED_MEMBER_EPOCH), or
     *     UNKNOWN_MEMBER_ID while the consumer is not a member
     */
    void commitSync(Map<TopicPartition, Long> offsets, Duration timeout) {
        if (offsets.isEmpty()) {
            return;
        }
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        awaitAsyncCommits(deadline);
        commit(offsets, deadline);
    }

    /**
     * Waits for the async commits sent before: one finishing after this commit would move the
     * committed offsets back to older positions.
     */
    private void awaitAsyncCommits(long deadlineMs) {
        try {
            commitThread.submit(() -> { }).get(Math.max(1, deadlineMs - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for async commits", e);
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "earlier async commits of group '" + groupId
                    + "' did not finish in time; nothing committed", e);
        }
    }

    private void commit(Map<TopicPartition, Long> offsets, long deadline) {
        while (true) {
            int epoch;
            long seen;
            synchronized (this) {
                if (fatal != null) {
                    throw fatal;
                }
                epoch = memberEpoch;
                seen = heartbeats;
            }
            if (epoch <= 0) {
                throw new ClientException(ErrorCode.UNKNOWN_MEMBER_ID, "cannot commit " + offsets.keySet()
                        + ": this consumer is not a member of group '" + groupId + "' right now (joining, or "
                        + "rejoining after it was fenced); nothing committed");
            }
            OffsetCommitRequest.Builder request = OffsetCommitRequest.newBuilder().setGroupId(groupId)
                    .setMemberId(memberId).setMemberEpoch(epoch);
            offsets.forEach((tp, offset) -> request.addPartitions(OffsetCommitPartition.newBuilder()
                    .setTopic(tp.topic()).setPartition(tp.partition()).setOffset(offset).setLeaderEpoch(-1)));
            OffsetCommitResponse response = coordinator.call(groupId, "OffsetCommit",
                    stub -> stub.offsetCommit(request.build()), OffsetCommitResponse::getError,
                    Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
            ClientException refused = refusal(epoch, response);
            if (refused == null) {
                return;
            }
            if (refused.code() != ErrorCode.STALE_MEMBER_EPOCH || System.currentTimeMillis() >= deadline) {
                throw refused;
            }
            awaitHeartbeat(seen, deadline);
        }
    }

    private ClientException refusal(int epoch, OffsetCommitResponse response) {
        if (response.getError().getCode() != ErrorCode.NONE) {
            return new ClientException(response.getError().getCode(), "commit in group '" + groupId + "' at member epoch "
                    + epoch + " failed: " + response.getError().getCode() + " " + response.getError().getMessage());
        }
        for (OffsetCommitPartitionResult result : response.getPartitionsList()) {
            ErrorCode code = result.getError().getCode();
            if (code != ErrorCode.NONE) {
                return new ClientException(code, "commit of " + result.getTopic() + "-" + result.getPartition()
                        + " in group '" + groupId + "' at member epoch " + epoch + " failed: " + code + " "
                        + result.getError().getMessage());
            }
        }
        return null;
    }

    /** Commits on the commit thread and tells {@code done} the outcome there. */
    void commitAsync(Map<TopicPartition, Long> offsets, CommitCallback done) {
        Map<TopicPartition, Long> copy = Map.copyOf(offsets);
        synchronized (this) {
            if (closed) {
                done.onComplete(copy, new ClientException(ErrorCode.INVALID_REQUEST,
                        "the consumer is closed; nothing committed"));
                return;
            }
            commitThread.execute(() -> {
                try {
                    commit(copy, System.currentTimeMillis() + config.defaultApiTimeout().toMillis());
                    done.onComplete(copy, null);
                } catch (ClientException e) {
                    done.onComplete(copy, e);
                }
            });
        }
    }

    /**
     * The group's committed offsets of these partitions (those it has); empty for a group that
     * does not exist yet.
     */
    Map<TopicPartition, Long> committed(Set<TopicPartition> partitions, Duration timeout) {
        OffsetFetchRequest request = OffsetFetchRequest.newBuilder().setGroupId(groupId)
                .addAllTopics(partitions.stream().map(TopicPartition::topic).distinct().sorted().toList()).build();
        OffsetFetchResponse response = coordinator.call(groupId, "OffsetFetch", stub -> stub.offsetFetch(request),
                OffsetFetchResponse::getError, timeout);
        ErrorCode code = response.getError().getCode();
        if (code == ErrorCode.GROUP_ID_NOT_FOUND) {
            return Map.of();
        }
        if (code != ErrorCode.NONE) {
            throw new ClientException(code, "OffsetFetch of group '" + groupId + "' failed: " + code + " "
                    + response.getError().getMessage());
        }
        Map<TopicPartition, Long> result = new HashMap<>();
        for (CommittedPartitionOffset offset : response.getOffsetsList()) {
            TopicPartition tp = new TopicPartition(offset.getTopic(), offset.getPartition());
            if (partitions.contains(tp) && offset.getOffset() >= 0) {
                result.put(tp, offset.getOffset());
            }
        }
        return result;
    }

    /**
     * Stops heartbeating and leaves the group: epoch -1, or -2 for a static member (which keeps
     * its assignment for a restart within the session timeout). Best effort: a member that cannot
     * say goodbye is removed when its session ends.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            if (next != null) {
                next.cancel(false);
            }
            heldHeartbeats.cancel(); // the leave below answers it anyway; no need to keep the call open
            notifyAll();
        }
        Future<?> leave = heartbeatThread.submit(this::leaveOnClose); // after a heartbeat still running
        try {
            leave.get(config.requestTimeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // best effort, as said above
        }
        heartbeatThread.shutdownNow();
        heldHeartbeats.close();
        commitThread.shutdown();
        try {
            commitThread.awaitTermination(config.requestTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void leaveOnClose() {
        synchronized (this) {
            if (memberEpoch <= 0) {
                return; // never joined, fenced, or already left: the coordinator holds nothing for this member
            }
        }
        leave(leaveRequest(), config.requestTimeout());
    }

    /** Epoch -1, or -2 for a static member (which keeps its assignment for a return within its session). */
    private GroupHeartbeatRequest leaveRequest() {
        GroupHeartbeatRequest.Builder request = GroupHeartbeatRequest.newBuilder().setGroupId(groupId)
                .setMemberId(memberId).setMemberEpoch(config.groupInstanceId().isPresent() ? -2 : -1);
        config.groupInstanceId().ifPresent(request::setInstanceId);
        return request.build();
    }

    /** Best effort: a member that cannot say goodbye is removed when its session ends. */
    private void leave(GroupHeartbeatRequest request, Duration timeout) {
        try {
            coordinator.call(groupId, "GroupHeartbeat (leave)", stub -> stub.groupHeartbeat(request),
                    GroupHeartbeatResponse::getError, timeout);
        } catch (RuntimeException e) {
            // as said above
        }
    }

    static Set<TopicPartition> partitions(List<GroupTopicPartitions> topics) {
        return topics.stream().flatMap(t -> t.getPartitionsList().stream().map(p -> new TopicPartition(t.getTopic(), p)))
                .collect(Collectors.toUnmodifiableSet());
    }

    static List<GroupTopicPartitions> wire(Collection<TopicPartition> partitions) {
        Map<String, List<Integer>> byTopic = new TreeMap<>();
        partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
        return byTopic.entrySet().stream().map(e -> GroupTopicPartitions.newBuilder().setTopic(e.getKey())
                .addAllPartitions(e.getValue().stream().sorted().toList()).build()).toList();
    }
}
