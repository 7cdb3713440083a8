package io.wharf.client.consumer;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.EndpointChannels;
import io.wharf.client.group.GroupCoordinatorClient;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.FetchResponse;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.common.ErrorCode;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.Record;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Reads records from assigned partitions, after Kafka's KafkaConsumer without groups:
 * {@link #assign}, {@link #seek} (offset, beginning, end, or a timestamp via
 * {@link #offsetsForTimes}), and {@link #poll} which long-polls each partition's leader with one
 * Fetch per broker, decodes whole batches (dropping records below the position) and follows
 * leader changes (NOT_LEADER names the new leader; transport failures refresh the metadata and
 * retry) for up to {@code default.api.timeout.ms} per partition, then throw a
 * {@link ClientException} naming the partition and the last failure. An out-of-range position resets per {@code auto.offset.reset}, or throws
 * {@link OffsetOutOfRangeException} with {@code none}.
 *
 * <p>With {@code group.id}, {@link #subscribe} joins a consumer group instead (Kafka 4's consumer
 * protocol): a heartbeat thread keeps the membership and learns the assignment, and poll applies
 * it — revoking what the consumer must give up (committing it first with
 * {@code enable.auto.commit}) and starting new partitions at their committed offsets, else per
 * {@code auto.offset.reset} — calling the {@link RebalanceListener} on the polling thread.
 * {@link #commitSync()} / {@link #commitAsync} commit positions with the member epoch;
 * {@link #close} leaves the group. docs/groups.md "Client side" tells the whole sequence.
 *
 * <p>Not thread-safe: like KafkaConsumer, one thread owns it. gRPC callbacks and the heartbeat
 * thread only hand results to that thread.
 */
public final class Consumer implements AutoCloseable {

    /** A fetch that came back from a broker. */
    private record Completed(Endpoint broker, Map<TopicPartition, Long> offsets, FetchResponse response,
                             Throwable failure) {
    }

    private final ConsumerConfig config;
    private final EndpointChannels channels;
    private final ClientMetadata metadata;
    private final OffsetLookup offsets;
    private final Map<TopicPartition, PartitionFetchState> assigned = new LinkedHashMap<>();
    private final Map<Endpoint, Map<TopicPartition, Long>> inFlight = new HashMap<>();
    private final LinkedBlockingQueue<Completed> completions = new LinkedBlockingQueue<>();
    /** Put in {@link #completions} by the heartbeat thread to wake a poll waiting for fetches. */
    private static final Completed WAKEUP = new Completed(null, Map.of(), null, null);
    private final GroupCoordinatorClient coordinator;
    /** The group membership once {@link #subscribe} was called; null for a consumer that assigns. */
    private GroupMember member;
    private RebalanceListener listener = RebalanceListener.NONE;
    /** The member epoch of the assignment reconcile last applied: what {@link #groupMetadata} tells. */
    private int appliedEpoch;
    private long nextAutoCommitMs;
    /** Outcomes of async commits, to be told on the polling thread. */
    private final ConcurrentLinkedQueue<Runnable> commitCallbacks = new ConcurrentLinkedQueue<>();

    public Consumer(ConsumerConfig config) {
        this(config, EndpointChannels.plaintext());
    }

    /** With a transport of the caller's choosing (tests use in-process channels). */
    public Consumer(ConsumerConfig config, Function<Endpoint, ManagedChannel> channelFactory) {
        this.config = config;
        this.channels = new EndpointChannels(channelFactory);
        this.metadata = new ClientMetadata(config.bootstrap(), channels,
                config.requestTimeout().compareTo(Duration.ofSeconds(5)) < 0 ? config.requestTimeout() : Duration.ofSeconds(5),
                config.metadataMaxAge(), config.retryBackoff(), System::currentTimeMillis);
        this.offsets = new OffsetLookup(metadata, channels, config.requestTimeout(), config.retryBackoff());
        this.coordinator = new GroupCoordinatorClient(config.bootstrap(), metadata, channels, config.requestTimeout(),
                config.retryBackoff());
    }

    /**
     * Every partition of {@code topic}, waiting up to default.api.timeout.ms for its metadata.
     *
     * @throws ClientException UNKNOWN_TOPIC when no broker knows the topic
     */
    public List<TopicPartition> partitionsFor(String topic) {
        int count = metadata.awaitPartitionCount(topic, config.defaultApiTimeout());
        List<TopicPartition> partitions = new ArrayList<>();
        for (int p = 0; p < count; p++) {
            partitions.add(new TopicPartition(topic, p));
        }
        return partitions;
    }

    /**
     * Joins the group of {@code group.id} subscribed to these topics (replacing an earlier
     * subscription); the group assigns partitions, which poll applies.
     *
     * @throws IllegalStateException without {@code group.id}, or after {@link #assign}
     */
    public void subscribe(Collection<String> topics, RebalanceListener listener) {
        if (topics.isEmpty() || topics.stream().anyMatch(t -> t == null || t.isBlank())) {
            throw new IllegalArgumentException("subscribe needs at least one topic name, none blank; got " + topics);
        }
        member(listener).subscribe(List.copyOf(topics));
    }

    /**
     * Joins the group of {@code group.id} subscribed to every topic whose whole name matches
     * {@code pattern}, now or when created later (the coordinator matches it).
     *
     * @throws IllegalStateException without {@code group.id}, or after {@link #assign}
     */
    public void subscribe(Pattern pattern, RebalanceListener listener) {
        member(listener).subscribe(pattern.pattern());
    }

    private GroupMember member(RebalanceListener listener) {
        String groupId = config.groupId().orElseThrow(() -> new IllegalStateException(
                "subscribe needs group.id in the ConsumerConfig; without a group, use assign"));
        if (member == null && !assigned.isEmpty()) {
            throw new IllegalStateException("this consumer assigns its partitions itself (assign was called); "
                    + "use a new consumer to subscribe");
        }
        this.listener = listener == null ? RebalanceListener.NONE : listener;
        if (member == null) {
            member = new GroupMember(groupId, config, coordinator, () -> completions.add(WAKEUP));
            nextAutoCommitMs = System.currentTimeMillis() + config.autoCommitInterval().toMillis();
        }
        return member;
    }

    /**
     * The group membership as this consumer's polling thread applied it: a listener called by poll
     * sees the member epoch of the assignment it is told about (the old one while revoking or
     * losing partitions, the new one once they are assigned).
     *
     * @throws IllegalStateException before {@link #subscribe}
     */
    public ConsumerGroupMetadata groupMetadata() {
        GroupMember current = requireMember("groupMetadata");
        return new ConsumerGroupMetadata(config.groupId().orElseThrow(), current.memberId(), appliedEpoch);
    }

    /** Reads exactly these partitions from now on; positions of partitions kept stay where they are. */
    public void assign(Collection<TopicPartition> partitions) {
        if (member != null) {
            throw new IllegalStateException("this consumer subscribed to group '" + config.groupId().orElse("")
                    + "': the group assigns its partitions");
        }
        assigned.keySet().retainAll(Set.copyOf(partitions));
        for (TopicPartition tp : partitions) {
            assigned.computeIfAbsent(tp, k -> new PartitionFetchState(config.autoOffsetReset()));
        }
    }

    public Set<TopicPartition> assignment() {
        return Set.copyOf(assigned.keySet());
    }

    /** The next poll of {@code tp} starts at {@code offset}. */
    public void seek(TopicPartition tp, long offset) {
        if (offset < 0) {
            throw new IllegalArgumentException("seek offset must not be negative, got " + offset);
        }
        state(tp).seek(offset);
    }

    /** The next poll of each partition starts at its log start offset (looked up lazily). */
    public void seekToBeginning(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> state(tp).requestReset(OffsetResetPolicy.EARLIEST));
    }

    /** The next poll of each partition starts at its high watermark (looked up lazily). */
    public void seekToEnd(Collection<TopicPartition> partitions) {
        partitions.forEach(tp -> state(tp).requestReset(OffsetResetPolicy.LATEST));
    }

    /** The offset of the next record {@link #poll} returns for {@code tp}, resolving a pending seek. */
    public long position(TopicPartition tp) {
        PartitionFetchState state = state(tp);
        if (state.position() == null) {
            resolveResets(List.of(tp), config.defaultApiTimeout());
        }
        return state.position();
    }

    /**
     * For each partition, the first offset whose timestamp is at or after the given one (ms), or
     * null when no record is that recent. Seek to the result to read from a point in time.
     */
    public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
        timestamps.forEach((tp, ts) -> {
            if (ts < 0) {
                throw new IllegalArgumentException("timestamp for " + tp + " must not be negative, got " + ts);
            }
        });
        Map<TopicPartition, OffsetAndTimestamp> result = new LinkedHashMap<>();
        offsets.lookup(timestamps, config.defaultApiTimeout()).forEach((tp, r) ->
                result.put(tp, r.getOffset() < 0 ? null : new OffsetAndTimestamp(r.getOffset(), r.getTimestamp())));
        return result;
    }

    public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
        return lookupOffsets(partitions, OffsetLookup.EARLIEST);
    }

    /** The high watermarks: the offset the next acknowledged record will get. */
    public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
        return lookupOffsets(partitions, OffsetLookup.LATEST);
    }

    private Map<TopicPartition, Long> lookupOffsets(Collection<TopicPartition> partitions, long spec) {
        Map<TopicPartition, Long> request = new LinkedHashMap<>();
        partitions.forEach(tp -> request.put(tp, spec));
        Map<TopicPartition, Long> result = new LinkedHashMap<>();
        offsets.lookup(request, config.defaultApiTimeout()).forEach((tp, r) -> result.put(tp, r.getOffset()));
        return result;
    }

    /**
     * Returns the records available now, or waits up to {@code timeout} for some (at most
     * max.poll.records). Positions advance past the returned records.
     *
     * @throws OffsetOutOfRangeException when a position is out of range and auto.offset.reset is none
     * @throws ClientException for a non-retriable error (unknown topic or partition, corrupt batch)
     */
    public List<ConsumerRecord> poll(Duration timeout) {
        if (assigned.isEmpty() && member == null) {
            throw new IllegalStateException("no partition is assigned; call assign or subscribe first");
        }
        long deadline = System.currentTimeMillis() + Math.max(0, timeout.toMillis());
        while (true) {
            runCommitCallbacks();
            if (member != null) {
                member.polled();
                reconcile();
                maybeAutoCommit();
            }
            List<TopicPartition> unresolved = assigned.entrySet().stream()
                    .filter(e -> e.getValue().position() == null).map(Map.Entry::getKey).toList();
            if (!unresolved.isEmpty()) {
                try {
                    resolveResets(unresolved, Duration.ofMillis(Math.max(1, deadline - System.currentTimeMillis())));
                } catch (ClientException e) {
                    if (!DataPlaneErrors.isRetriable(e.code())) {
                        throw e;
                    }
                    long now = System.currentTimeMillis();
                    unresolved.forEach(tp -> noteFailure(tp, assigned.get(tp), now, e.getMessage()));
                }
            }
            List<ConsumerRecord> ready = drainBuffered();
            if (!ready.isEmpty()) {
                sendFetches(); // pipelining: the next fetch travels while the caller handles these records
                return ready;
            }
            metadata.maybeRefresh();
            sendFetches();
            long wait = deadline - System.currentTimeMillis();
            Completed completed = awaitCompletion(wait);
            while (completed != null) {
                if (completed != WAKEUP) {
                    handle(completed);
                }
                completed = completions.poll();
            }
            if (System.currentTimeMillis() >= deadline) {
                return drainBuffered();
            }
        }
    }

    private Completed awaitCompletion(long waitMs) {
        try {
            // with nothing in flight (no leader known, backing off) wake up to retry soon
            long bound = inFlight.isEmpty() ? Math.min(waitMs, config.retryBackoff().toMillis()) : waitMs;
            return bound <= 0 ? completions.poll() : completions.poll(bound, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while polling", e);
        }
    }

    private List<ConsumerRecord> drainBuffered() {
        List<ConsumerRecord> records = new ArrayList<>();
        for (PartitionFetchState state : assigned.values()) {
            while (records.size() < config.maxPollRecords() && !state.buffered.isEmpty()) {
                records.add(state.buffered.pollFirst());
            }
        }
        return records;
    }

    private void resolveResets(List<TopicPartition> partitions, Duration timeout) {
        Map<TopicPartition, Long> request = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionFetchState state = assigned.get(tp);
            if (state.resetTo == OffsetResetPolicy.NONE) {
                throw new OffsetOutOfRangeException(tp, -1, member == null ? "the partition has no position"
                        : "group '" + config.groupId().orElse("") + "' has no committed offset for it");
            }
            request.put(tp, state.resetTo == OffsetResetPolicy.EARLIEST ? OffsetLookup.EARLIEST : OffsetLookup.LATEST);
        }
        Map<TopicPartition, ListOffsetsPartitionResult> results = offsets.lookup(request, timeout);
        results.forEach((tp, result) -> {
            PartitionFetchState state = assigned.get(tp);
            if (state != null && state.fetchOffset == null) {
                state.seek(result.getOffset());
            }
        });
    }

    private void sendFetches() {
        long now = System.currentTimeMillis();
        Map<Endpoint, Map<TopicPartition, Long>> requests = new LinkedHashMap<>();
        for (Map.Entry<TopicPartition, PartitionFetchState> entry : assigned.entrySet()) {
            PartitionFetchState state = entry.getValue();
            if (state.fetchOffset == null || state.buffered.size() >= config.maxPollRecords() || now < state.retryAtMs) {
                continue;
            }
            Endpoint leader = metadata.view().leaderEndpoint(entry.getKey()).orElse(null);
            if (leader == null) {
                metadata.markStale();
                noteFailure(entry.getKey(), state, now, "no leader is known");
                continue;
            }
            if (!inFlight.containsKey(leader)) {
                requests.computeIfAbsent(leader, l -> new LinkedHashMap<>()).put(entry.getKey(), state.fetchOffset);
            }
        }
        requests.forEach(this::fetch);
    }

    private void fetch(Endpoint broker, Map<TopicPartition, Long> partitions) {
        FetchRequest.Builder request = FetchRequest.newBuilder()
                .setMaxWaitMs((int) config.fetchMaxWait().toMillis())
                .setMinBytes(config.fetchMinBytes()).setMaxBytes(config.fetchMaxBytes());
        partitions.forEach((tp, offset) -> request.addPartitions(FetchPartition.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).setFetchOffset(offset)
                .setPartitionMaxBytes(config.maxPartitionFetchBytes()).setCurrentLeaderEpoch(-1)));
        inFlight.put(broker, partitions);
        long deadlineMs = config.fetchMaxWait().toMillis() + config.requestTimeout().toMillis();
        BrokerServiceGrpc.newStub(channels.channel(broker)).withDeadlineAfter(deadlineMs, TimeUnit.MILLISECONDS)
                .fetch(request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(FetchResponse response) {
                        completions.add(new Completed(broker, partitions, response, null));
                    }

                    @Override
                    public void onError(Throwable t) {
                        completions.add(new Completed(broker, partitions, null, t));
                    }

                    @Override
                    public void onCompleted() {
                        // the single response was handed over in onNext
                    }
                });
    }

    private void handle(Completed completed) {
        inFlight.remove(completed.broker());
        long retryAt = System.currentTimeMillis() + config.retryBackoff().toMillis();
        if (completed.failure() != null) {
            Status status = Status.fromThrowable(completed.failure());
            if (!DataPlaneErrors.isRetriable(status.getCode())) {
                throw new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "Fetch from broker " + completed.broker()
                        + " failed: " + status, completed.failure());
            }
            channels.reconnectPromptly(completed.broker());
            metadata.markStale();
            String failure = "broker " + completed.broker() + " did not answer: " + status.getCode();
            for (TopicPartition tp : completed.offsets().keySet()) {
                PartitionFetchState state = assigned.get(tp);
                if (state != null) {
                    state.retryAtMs = retryAt;
                    noteFailure(tp, state, System.currentTimeMillis(), failure);
                }
            }
            return;
        }
        ClientException fatal = null;
        for (FetchPartitionResult result : completed.response().getPartitionsList()) {
            TopicPartition tp = new TopicPartition(result.getTopic(), result.getPartition());
            PartitionFetchState state = assigned.get(tp);
            Long requested = completed.offsets().get(tp);
            if (state == null || requested == null || !requested.equals(state.fetchOffset)) {
                continue; // unassigned or seeked while the fetch was out: the answer is for an old position
            }
            ErrorCode code = result.getError().getCode();
            try {
                if (code == ErrorCode.NONE) {
                    state.succeeded();
                    append(tp, state, result);
                } else if (code == ErrorCode.OFFSET_OUT_OF_RANGE) {
                    if (config.autoOffsetReset() == OffsetResetPolicy.NONE) {
                        throw new OffsetOutOfRangeException(tp, requested, result.getError().getMessage());
                    }
                    state.requestReset(config.autoOffsetReset());
                } else if (DataPlaneErrors.isRetriableForKnownPartition(code)) {
                    metadata.onPartitionError(tp, result.getError());
                    if (!DataPlaneErrors.redirectsElsewhere(result.getError(), completed.broker())) {
                        state.retryAtMs = retryAt;
                    }
                    noteFailure(tp, state, System.currentTimeMillis(), code + " from broker " + completed.broker()
                            + ": " + result.getError().getMessage());
                } else {
                    if (DataPlaneErrors.invalidatesMetadata(code)) {
                        metadata.markStale();
                    }
                    throw new ClientException(code, "Fetch of " + tp + " from broker " + completed.broker()
                            + " failed: " + code + " " + result.getError().getMessage());
                }
            } catch (ClientException e) {
                fatal = fatal == null ? e : fatal;
            }
        }
        if (fatal != null) {
            throw fatal;
        }
    }

    private void append(TopicPartition tp, PartitionFetchState state, FetchPartitionResult result) {
        long next = state.fetchOffset;
        for (RecordBatch batch : RecordBatches.iterate(result.getRecords().asReadOnlyByteBuffer())) {
            if (batch.nextOffset() <= next) {
                continue;
            }
            try {
                batch.ensureValid();
                if (!batch.isControl()) {
                    for (Record record : batch.records()) {
                        if (record.offset() >= next) {
                            state.buffered.add(new ConsumerRecord(tp.topic(), tp.partition(), record.offset(),
                                    record.timestamp(), record.key(), record.value(), record.headers()));
                        }
                    }
                }
            } catch (CorruptRecordException e) {
                throw new ClientException(ErrorCode.CORRUPT_RECORD, "a batch of " + tp + " at offset "
                        + batch.baseOffset() + " is corrupt: " + e.getMessage(), e);
            }
            next = batch.nextOffset();
        }
        state.fetchOffset = next;
    }

    /** Gives up on a partition whose fetches kept failing for default.api.timeout.ms. */
    private void noteFailure(TopicPartition tp, PartitionFetchState state, long nowMs, String failure) {
        long failingFor = state.failed(nowMs, failure);
        if (failingFor > config.defaultApiTimeout().toMillis()) {
            state.succeeded();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "no fetch of " + tp + " succeeded for " + failingFor
                    + " ms (default.api.timeout.ms " + config.defaultApiTimeout().toMillis() + "); last: " + failure);
        }
    }

    private PartitionFetchState state(TopicPartition tp) {
        PartitionFetchState state = assigned.get(tp);
        if (state == null) {
            throw new IllegalStateException(tp + " is not assigned to this consumer; assigned: " + assigned.keySet());
        }
        return state;
    }

    /**
     * Applies the group's latest answer on this thread: after a fence drops every partition
     * (onPartitionsLost) and lets the member rejoin; else revokes what the assignment no longer has
     * (auto-commit, then onPartitionsRevoked, then no more fetches) and adds what it newly has
     * (positions from the committed offsets, then onPartitionsAssigned), and reports what it owns.
     */
    private void reconcile() {
        GroupMember.Target target = member.target();
        if (target.fatal() != null) {
            throw target.fatal();
        }
        if (target.lost()) {
            Set<TopicPartition> lost = Set.copyOf(assigned.keySet());
            assigned.clear();
            try {
                if (!lost.isEmpty()) {
                    listener.onPartitionsLost(lost);
                }
            } finally {
                appliedEpoch = 0;
                member.lostHandled(); // rejoins only now, as Kafka does once the callback is done
            }
            return;
        }
        if (target.partitions() == null) {
            return;
        }
        Set<TopicPartition> revoked = new HashSet<>(assigned.keySet());
        revoked.removeAll(target.partitions());
        if (!revoked.isEmpty()) {
            if (config.enableAutoCommit()) {
                try {
                    member.commitSync(positions(revoked), config.defaultApiTimeout());
                } catch (ClientException e) {
                    // the partition goes anyway: its next owner starts at the last commit (duplicates, never a gap)
                }
            }
            listener.onPartitionsRevoked(Set.copyOf(revoked));
            assigned.keySet().removeAll(revoked);
        }
        appliedEpoch = target.memberEpoch();
        Set<TopicPartition> added = new HashSet<>(target.partitions());
        added.removeAll(assigned.keySet());
        if (!added.isEmpty()) {
            Map<TopicPartition, Long> committed = member.committed(added, config.defaultApiTimeout());
            for (TopicPartition tp : added) {
                PartitionFetchState state = new PartitionFetchState(config.autoOffsetReset());
                Long offset = committed.get(tp);
                if (offset != null) {
                    state.seek(offset);
                }
                assigned.put(tp, state);
            }
            listener.onPartitionsAssigned(Set.copyOf(added));
        }
        member.owned(Set.copyOf(assigned.keySet()));
    }

    private void maybeAutoCommit() {
        long now = System.currentTimeMillis();
        if (config.enableAutoCommit() && now >= nextAutoCommitMs) {
            nextAutoCommitMs = now + config.autoCommitInterval().toMillis();
            Map<TopicPartition, Long> positions = positions(assigned.keySet());
            if (!positions.isEmpty() && member.epoch() > 0) {
                member.commitAsync(positions, (offsets, failure) -> {
                    // a failed auto-commit is retried with newer positions at the next interval
                });
            }
        }
    }

    /** The positions (next offset to consume) of these owned partitions; those with a pending reset have none. */
    private Map<TopicPartition, Long> positions(Collection<TopicPartition> partitions) {
        Map<TopicPartition, Long> positions = new LinkedHashMap<>();
        for (TopicPartition tp : partitions) {
            PartitionFetchState state = assigned.get(tp);
            if (state != null && state.position() != null) {
                positions.put(tp, state.position());
            }
        }
        return positions;
    }

    /**
     * Commits the positions of every owned partition: the offsets after the records poll returned.
     *
     * @throws ClientException with the refusing code (e.g. FENCED_MEMBER_EPOCH for a member the
     *     group no longer knows at its epoch) or the last retriable one after default.api.timeout.ms
     */
    public void commitSync() {
        commitSync(positions(assigned.keySet()));
    }

    /**
     * Commits these offsets (each the next offset to consume) with the member's epoch; a
     * STALE_MEMBER_EPOCH is retried after the next heartbeat, coordinator errors after finding the
     * coordinator again, for up to default.api.timeout.ms.
     *
     * @throws ClientException as {@link #commitSync()}
     */
    public void commitSync(Map<TopicPartition, Long> offsets) {
        runCommitCallbacks();
        requireMember("commitSync").commitSync(offsets, config.defaultApiTimeout());
    }

    /**
     * Commits the positions of every owned partition in the background; {@code callback} (may be
     * null) is told the outcome on the thread calling poll, commitSync or close.
     */
    public void commitAsync(CommitCallback callback) {
        Map<TopicPartition, Long> positions = positions(assigned.keySet());
        requireMember("commitAsync").commitAsync(positions, (offsets, failure) -> {
            if (callback != null) {
                commitCallbacks.add(() -> callback.onComplete(offsets, failure));
            }
        });
    }

    private GroupMember requireMember(String operation) {
        if (member == null) {
            throw new IllegalStateException(operation + " needs a group: set group.id and subscribe");
        }
        return member;
    }

    private void runCommitCallbacks() {
        Runnable callback = commitCallbacks.poll();
        while (callback != null) {
            callback.run();
            callback = commitCallbacks.poll();
        }
    }

    /**
     * With a group: commits the positions when auto-commit is on, revokes every partition
     * (onPartitionsRevoked, still a member, so it may commit), leaves the group (epoch -1; -2 for a static member, which keeps its
     * assignment for a restart within the session timeout) and stops the heartbeat thread. Then
     * closes the connections.
     */
    @Override
    public void close() {
        try {
            if (member != null) {
                leaveGroup();
            }
        } finally {
            channels.close();
        }
    }

    private void leaveGroup() {
        try {
            if (config.enableAutoCommit() && member.epoch() > 0) {
                member.commitSync(positions(assigned.keySet()), config.defaultApiTimeout());
            }
        } catch (ClientException e) {
            // closing anyway: the next owner starts at the last commit (duplicates, never a gap)
        }
        try {
            if (!assigned.isEmpty()) {
                listener.onPartitionsRevoked(Set.copyOf(assigned.keySet()));
            }
        } finally {
            assigned.clear();
            member.close();
            runCommitCallbacks();
        }
    }
}
