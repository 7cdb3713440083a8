package io.wharf.broker.replica;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.HostPort;
import io.wharf.broker.NettyLoops;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.FollowerPosition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.replication.ReplicaDurablePartition;
import io.wharf.proto.replication.ReplicaDurableRequest;
import io.wharf.proto.replication.ReplicaDurableResponse;
import io.wharf.proto.replication.ReplicaFetchPartition;
import io.wharf.proto.replication.ReplicaFetchPartitionResult;
import io.wharf.proto.replication.ReplicaFetchRequest;
import io.wharf.proto.replication.ReplicaFetchResponse;
import io.wharf.proto.replication.ReplicaFetchTopicPartition;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import io.wharf.replication.log.EpochEndOffset;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls, from one leader broker, every partition this broker follows there: one long-poll
 * {@code ReplicaFetch} at a time, each answer applied (truncate on a diverging epoch, restart the
 * log at the leader's log start when it fell below it, else append and adopt the HW and the
 * leader's log start offset) before the next request, whose fetch offsets report the progress
 * back. Within a fetch session ({@link FollowerFetchSession}) a request lists only the partitions
 * whose position changed and the answer only those with news; a session error or a failed
 * request starts over with a full request.
 *
 * <p>In {@code flush.mode=sync} the fsync of what an answer appended is not part of the round:
 * the next request leaves as soon as the answer is applied, reporting the new log end but the old
 * durable end, and the fsync runs beside it on this fetcher's fsync thread (one at a time; the
 * appends that arrive meanwhile share the next). When it ends, a {@code ReplicaDurable} call tells
 * the leader the new durable end, so the high watermark moves without waiting for the answer to
 * the request in flight, which long-polls when the leader has nothing new. A round therefore
 * costs a round trip and an append, and the follower's fsync overlaps the next round instead of
 * adding to every one.
 *
 * <p>Owns one channel and the one event-loop thread that runs it: the thread that reads an answer
 * also applies it and writes the next request, so a replication round hands no work to another
 * thread on this side. It also owns the fsync thread, which hands each finished fsync back to the
 * loop. {@link #close()} stops them.
 */
final class ReplicaFetcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
    /** Answers carry up to replica.fetch.max.bytes plus at least one batch of up to max.message.bytes. */
    private static final int MAX_INBOUND_MESSAGE_BYTES = Integer.MAX_VALUE;

    private final int brokerId;
    private final int leaderId;
    private final HostPort endpoint;
    private final PartitionRegistry registry;
    private final LongSupplier brokerEpoch;
    private final Duration maxWait;
    private final int maxBytes;
    private final Duration backoff;
    private final Duration requestSlack;
    private final EventLoopGroup loop;
    private final ManagedChannel channel;
    private final ExecutorService fsyncThread;
    private volatile boolean stopping;
    /** Touched only on the loop. */
    private final FollowerFetchSession session = new FollowerFetchSession();
    /** Replicas appended to since the fsync running now started, if one runs; touched only on the loop. */
    private final Set<Partition> awaitingFsync = new LinkedHashSet<>();
    /** Whether an fsync runs on {@link #fsyncThread}; touched only on the loop. */
    private boolean fsyncRunning;
    /** The durable end the leader last heard of per partition, by a request or a report; touched only on the loop. */
    private final Map<TopicPartition, Long> durableTold = new HashMap<>();

    ReplicaFetcher(int brokerId, int leaderId, HostPort endpoint, PartitionRegistry registry, LongSupplier brokerEpoch,
                   Duration maxWait, int maxBytes, Duration backoff, Duration requestSlack) {
        this.brokerId = brokerId;
        this.leaderId = leaderId;
        this.endpoint = endpoint;
        this.registry = registry;
        this.brokerEpoch = brokerEpoch;
        this.maxWait = maxWait;
        this.maxBytes = maxBytes;
        this.backoff = backoff;
        this.requestSlack = requestSlack;
        this.loop = NettyLoops.group(1, ServiceThreads.daemon("broker-" + brokerId + "-fetcher-from-" + leaderId));
        // directExecutor: the answer's callbacks run on the loop that read it, not on gRPC's executor.
        this.channel = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext()
                .eventLoopGroup(loop).channelType(NettyLoops.clientChannelType())
                .directExecutor().maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
        this.fsyncThread = Executors.newSingleThreadExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-fetcher-fsync-from-" + leaderId));
    }

    HostPort endpoint() {
        return endpoint;
    }

    void start() {
        log.info("Broker {} fetching from leader {} at {}", brokerId, leaderId, endpoint);
        loop.execute(this::fetch);
    }

    /** On the loop: sends the next request, or tries again after the backoff when there is none to send. */
    private void fetch() {
        if (stopping) {
            return;
        }
        try {
            Optional<Round> round = nextRound();
            if (round.isEmpty()) {
                fetchAfterBackoff();
                return;
            }
            ReplicationServiceGrpc.newStub(channel)
                    .withDeadlineAfter(maxWait.plus(requestSlack).toMillis(), TimeUnit.MILLISECONDS)
                    .replicaFetch(round.get().request(), new Answer(round.get()));
        } catch (RuntimeException e) {
            log.error("Broker {} fetcher from {} failed; retrying after {} ms", brokerId, leaderId,
                    backoff.toMillis(), e);
            fetchAfterBackoff();
        }
    }

    private void fetchAfterBackoff() {
        if (stopping) {
            return;
        }
        try {
            loop.schedule(this::fetch, backoff.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // close() shut the loop down between the check and the schedule: nothing is left to fetch.
        }
    }

    /** One request: the positions it reports and the replicas they belong to. */
    private record Round(ReplicaFetchRequest request, FollowerFetchSession.Next next,
                         Map<TopicPartition, FollowerPosition> positions, Map<TopicPartition, Partition> partitions) {
    }

    /** Receives one request's answer on the loop, applies it, and sends the next request. */
    private final class Answer implements StreamObserver<ReplicaFetchResponse> {

        private final Round round;
        private ReplicaFetchResponse response;

        Answer(Round round) {
            this.round = round;
        }

        @Override
        public void onNext(ReplicaFetchResponse value) {
            response = value;
        }

        @Override
        public void onError(Throwable failure) {
            // A call that fails before it reaches the transport (no connection, its deadline) is
            // told so on another thread: the session is the loop's, so go back there first.
            try {
                loop.execute(() -> {
                    session.reset();
                    if (!stopping) {
                        log.debug("Broker {} ReplicaFetch to {} at {} failed: {}", brokerId, leaderId, endpoint,
                                Status.fromThrowable(failure));
                    }
                    fetchAfterBackoff();
                });
            } catch (RejectedExecutionException closing) {
                // close() shut the loop down: the failure is the channel's shutdown, nothing to retry.
            }
        }

        @Override
        public void onCompleted() {
            boolean fine;
            try {
                // A unary call completes after its one answer; without it, treat the round as failed.
                fine = response != null && apply(round, response);
            } catch (RuntimeException e) {
                log.error("Broker {} fetcher from {} failed; retrying after {} ms", brokerId, leaderId,
                        backoff.toMillis(), e);
                fine = false;
            }
            startFsync();
            if (fine) {
                fetch();
            } else {
                fetchAfterBackoff();
            }
        }
    }

    /** The next request, empty when this broker follows nothing on that leader. */
    private Optional<Round> nextRound() {
        Map<TopicPartition, FollowerPosition> positions = new LinkedHashMap<>();
        Map<TopicPartition, Partition> partitions = new HashMap<>();
        for (Partition partition : registry.partitions()) {
            Optional<FollowerPosition> position = partition.followerPosition();
            if (position.isEmpty() || position.get().leaderId() != leaderId) {
                continue;
            }
            positions.put(partition.topicPartition(), position.get());
            partitions.put(partition.topicPartition(), partition);
        }
        durableTold.keySet().retainAll(positions.keySet());
        if (positions.isEmpty()) {
            return Optional.empty();
        }
        positions.forEach((tp, at) -> durableTold.put(tp, at.durableEndOffset()));
        FollowerFetchSession.Next next = session.next(positions);
        ReplicaFetchRequest.Builder request = ReplicaFetchRequest.newBuilder().setReplicaId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong()).setMaxWaitMs((int) maxWait.toMillis()).setMinBytes(1)
                .setMaxBytes(maxBytes).setSessionId(next.sessionId()).setSessionEpoch(next.epoch());
        next.listed().forEach((tp, at) -> request.addPartitions(ReplicaFetchPartition.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition()).setFetchOffset(at.fetchOffset())
                .setDurableEndOffset(at.durableEndOffset()).setCurrentLeaderEpoch(at.leaderEpoch())
                .setLastFetchedEpoch(at.lastFetchedEpoch()).setPartitionMaxBytes(maxBytes)));
        next.forgotten().forEach(tp -> request.addForgotten(ReplicaFetchTopicPartition.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition())));
        return Optional.of(new Round(request.build(), next, positions, partitions));
    }

    /** Applies one answer; false when the next request should wait for the backoff. */
    private boolean apply(Round round, ReplicaFetchResponse response) {
        Map<TopicPartition, FollowerPosition> positions = round.positions();
        Map<TopicPartition, Partition> partitions = round.partitions();
        ErrorCode sessionError = response.getSessionError().getCode();
        if (sessionError != ErrorCode.NONE) {
            session.reset();
            log.debug("Broker {} fetch session with leader {}: {} {}", brokerId, leaderId, sessionError,
                    response.getSessionError().getMessage());
            if (sessionError == ErrorCode.FETCH_SESSION_ID_NOT_FOUND
                    || sessionError == ErrorCode.INVALID_FETCH_SESSION_EPOCH) {
                return true;
            }
        } else {
            session.answered(round.next(), response.getSessionId());
        }
        boolean allFine = sessionError == ErrorCode.NONE;
        for (ReplicaFetchPartitionResult result : response.getPartitionsList()) {
            TopicPartition tp = new TopicPartition(result.getTopic(), result.getPartition());
            // A partition the request left out has the position the session last sent for it.
            FollowerPosition sent = positions.get(tp);
            Partition partition = partitions.get(tp);
            if (sent == null) {
                continue;
            }
            if (result.getError().getCode() == ErrorCode.OFFSET_OUT_OF_RANGE
                    && restartBelowLeaderLogStart(partition, sent, result.getLogStartOffset())) {
                continue;
            }
            if (result.getError().getCode() != ErrorCode.NONE) {
                allFine = false;
                log.debug("Broker {} fetching {} from {}: {} {}", brokerId, tp, leaderId, result.getError().getCode(),
                        result.getError().getMessage());
                continue;
            }
            Optional<EpochEndOffset> diverging = result.hasDivergingEpoch()
                    ? Optional.of(new EpochEndOffset(result.getDivergingEpoch().getEpoch(),
                            result.getDivergingEpoch().getEndOffset()))
                    : Optional.empty();
            try {
                if (partition.applyFromLeader(sent.leaderEpoch(), result.getRecords().asReadOnlyByteBuffer(),
                        result.getHighWatermark(), result.getLogStartOffset(), diverging)
                        && !result.getRecords().isEmpty() && partition.defersDurability()) {
                    awaitingFsync.add(partition);
                }
                diverging.ifPresent(d -> log.info("Broker {} truncated {} to {} after the leader {} reported "
                        + "divergence at epoch {}", brokerId, tp, partition.log().logEndOffset(), leaderId, d.epoch()));
            } catch (RuntimeException e) {
                allFine = false;
                // The leader believes the HW it sent arrived; a full request makes it send it again.
                session.reset();
                log.warn("Broker {} could not apply the answer for {} from leader {}: {}", brokerId, tp, leaderId,
                        e.toString());
            }
        }
        return allFine;
    }

    /**
     * On the loop: hands the replicas appended to since the last fsync to the fsync thread,
     * unless an fsync runs; that one's end starts the next.
     */
    private void startFsync() {
        if (fsyncRunning || awaitingFsync.isEmpty() || stopping) {
            return;
        }
        List<Partition> batch = List.copyOf(awaitingFsync);
        awaitingFsync.clear();
        fsyncRunning = true;
        try {
            fsyncThread.execute(() -> {
                fsyncAll(batch);
                try {
                    loop.execute(() -> fsynced(batch));
                } catch (RejectedExecutionException closing) {
                    // close() shut the loop down: no leader is left to tell.
                }
            });
        } catch (RejectedExecutionException closing) {
            fsyncRunning = false;
        }
    }

    /**
     * On the fsync thread: fsyncs each replica outside its monitor. A failure is logged here;
     * the log then takes its directory offline, which closes the replica.
     */
    private void fsyncAll(List<Partition> batch) {
        for (Partition partition : batch) {
            try {
                partition.flushLog();
            } catch (RuntimeException e) {
                log.warn("Broker {} could not fsync its replica of {} fetched from leader {}: {}", brokerId,
                        partition.topicPartition(), leaderId, e.toString());
            }
        }
    }

    /** On the loop, after an fsync: tells the leader what it made durable, and starts the next one. */
    private void fsynced(List<Partition> batch) {
        fsyncRunning = false;
        reportDurable(batch);
        startFsync();
    }

    /**
     * Sends {@code ReplicaDurable} for each replica of {@code batch} whose durable end is now past
     * what the leader heard last. Its answer only matters for the log: a refused partition
     * (leadership moved) is the fetch's to handle, and a failed call leaves the report to the
     * next request.
     */
    private void reportDurable(List<Partition> batch) {
        if (stopping) {
            return;
        }
        ReplicaDurableRequest.Builder request = ReplicaDurableRequest.newBuilder().setReplicaId(brokerId)
                .setBrokerEpoch(brokerEpoch.getAsLong());
        for (Partition partition : batch) {
            Optional<FollowerPosition> position = partition.followerPosition();
            Long told = durableTold.get(partition.topicPartition());
            if (position.isEmpty() || position.get().leaderId() != leaderId || told == null
                    || position.get().durableEndOffset() <= told) {
                continue;
            }
            durableTold.put(partition.topicPartition(), position.get().durableEndOffset());
            request.addPartitions(ReplicaDurablePartition.newBuilder().setTopic(partition.topicPartition().topic())
                    .setPartition(partition.topicPartition().partition())
                    .setCurrentLeaderEpoch(position.get().leaderEpoch())
                    .setDurableEndOffset(position.get().durableEndOffset()));
        }
        if (request.getPartitionsCount() == 0) {
            return;
        }
        ReplicationServiceGrpc.newStub(channel).withDeadlineAfter(requestSlack.plus(backoff).toMillis(),
                TimeUnit.MILLISECONDS).replicaDurable(request.build(), new StreamObserver<>() {
                    @Override
                    public void onNext(ReplicaDurableResponse response) {
                        if (response.getError().getCode() != ErrorCode.NONE || response.getPartitionsCount() > 0) {
                            log.debug("Broker {} ReplicaDurable to {} refused: {} {}", brokerId, leaderId,
                                    response.getError(), response.getPartitionsList());
                        }
                    }

                    @Override
                    public void onError(Throwable failure) {
                        log.debug("Broker {} ReplicaDurable to {} failed: {}", brokerId, leaderId,
                                Status.fromThrowable(failure));
                    }

                    @Override
                    public void onCompleted() {
                        // the single answer was handled in onNext
                    }
                });
    }

    /**
     * After OFFSET_OUT_OF_RANGE: a follower whose fetch offset is below the leader's log start
     * (retention deleted those segments while it was away) empties its log and restarts it there.
     *
     * @return true when it did, so the next fetch starts at the leader's log start
     */
    private boolean restartBelowLeaderLogStart(Partition partition, FollowerPosition sent, long leaderLogStart) {
        if (leaderLogStart < 0 || sent.fetchOffset() >= leaderLogStart) {
            return false;
        }
        try {
            if (partition.restartBelowLeaderLogStart(sent.leaderEpoch(), leaderLogStart)) {
                log.info("Broker {} restarted its log of {} at offset {}: its fetch offset {} is below the log start "
                        + "of leader {}", brokerId, partition.topicPartition(), leaderLogStart, sent.fetchOffset(),
                        leaderId);
                return true;
            }
        } catch (RuntimeException e) {
            log.warn("Broker {} could not restart its log of {} at the leader's log start {}: {}", brokerId,
                    partition.topicPartition(), leaderLogStart, e.toString());
        }
        return false;
    }

    @Override
    public void close() {
        stopping = true;
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
            // The loop may be applying an answer; it finishes that, then stops.
            if (!loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS)) {
                log.warn("Broker {} fetcher from {} did not stop within 5 s", brokerId, leaderId);
            }
            // Not interrupted: an interrupt during an fsync would close the log's file channel.
            fsyncThread.shutdown();
            if (!fsyncThread.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Broker {} fetcher fsync thread from {} did not stop within 10 s", brokerId, leaderId);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
