package io.wharf.broker.replica;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.broker.HostPort;
import io.wharf.broker.NettyLoops;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.FollowerPosition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.replication.ReplicaFetchPartition;
import io.wharf.proto.replication.ReplicaFetchPartitionResult;
import io.wharf.proto.replication.ReplicaFetchRequest;
import io.wharf.proto.replication.ReplicaFetchResponse;
import io.wharf.proto.replication.ReplicaFetchTopicPartition;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import io.wharf.replication.log.EpochEndOffset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls, from one leader broker, every partition this broker follows there: one long-poll request
 * at a time on a {@code ReplicaFetch} stream kept open to that leader, each answer applied
 * (truncate on a diverging epoch, restart the log at the leader's log start when it fell below
 * it, else append and adopt the HW and the leader's log start offset) before the next request,
 * whose fetch offsets report the progress back. Within a fetch session
 * ({@link FollowerFetchSession}) a request lists only the partitions whose position changed and
 * the answer only those with news; a session error, or a stream that fails or leaves a request
 * unanswered past its max wait plus {@code requestSlack}, starts over with a full request on a
 * new stream.
 *
 * <p>Owns one channel and the one event-loop thread that runs it: the thread that reads an answer
 * also applies it, fsyncs what it appended and writes the next request, so a replication round
 * hands no work to another thread on this side (a blocking call handed each answer to a fetcher
 * thread and each request back to the channel's loop). The loop serves this channel only, so its
 * fsyncs hold up nothing else. {@link #close()} stops both.
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
    private volatile boolean stopping;
    /** Touched only on the loop. */
    private final FollowerFetchSession session = new FollowerFetchSession();
    /** The open stream to the leader, null when there is none; touched only on the loop. */
    private LeaderStream stream;

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
            if (stream == null) {
                stream = new LeaderStream();
            }
            stream.send(round.get());
        } catch (RuntimeException e) {
            log.error("Broker {} fetcher from {} failed; retrying after {} ms", brokerId, leaderId,
                    backoff.toMillis(), e);
            endStream("the fetcher failed: " + e);
            fetchAfterBackoff();
        }
    }

    /** On the loop: drops the stream (cancelling it) and the session, so the next request starts over. */
    private void endStream(String why) {
        session.reset();
        LeaderStream ending = stream;
        stream = null;
        if (ending != null) {
            ending.cancel(why);
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

    /**
     * One {@code ReplicaFetch} stream to the leader, with at most one request on it. Its answers
     * arrive on the loop (the channel runs on it, with the direct executor); a failure may be
     * told on another thread and goes back to the loop first. A stream that is no longer
     * {@link #stream} (ended, or replaced after a failure) is ignored.
     */
    private final class LeaderStream implements ClientResponseObserver<ReplicaFetchRequest, ReplicaFetchResponse> {

        private ClientCallStreamObserver<ReplicaFetchRequest> requests;
        private Round pending;
        private ScheduledFuture<?> deadline;

        LeaderStream() {
            ReplicationServiceGrpc.newStub(channel).replicaFetch(this);
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<ReplicaFetchRequest> requestStream) {
            this.requests = requestStream;
        }

        /** On the loop: sends {@code round}'s request, and gives up on the stream if no answer comes in time. */
        void send(Round round) {
            pending = round;
            deadline = loop.schedule(() -> unanswered(round), maxWait.plus(requestSlack).toMillis(),
                    TimeUnit.MILLISECONDS);
            requests.onNext(round.request());
        }

        private void unanswered(Round round) {
            if (stream == this && pending == round) {
                log.debug("Broker {} got no answer from leader {} at {} within {} ms; opening a new stream",
                        brokerId, leaderId, endpoint, maxWait.plus(requestSlack).toMillis());
                endStream("no answer within " + maxWait.plus(requestSlack).toMillis() + " ms");
                fetchAfterBackoff();
            }
        }

        void cancel(String why) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            requests.cancel(why, null);
        }

        @Override
        public void onNext(ReplicaFetchResponse response) {
            if (stream != this || pending == null) {
                return;
            }
            Round round = pending;
            pending = null;
            deadline.cancel(false);
            boolean fine;
            try {
                fine = apply(round, response);
            } catch (RuntimeException e) {
                log.error("Broker {} fetcher from {} failed; retrying after {} ms", brokerId, leaderId,
                        backoff.toMillis(), e);
                fine = false;
            }
            if (fine) {
                fetch();
            } else {
                fetchAfterBackoff();
            }
        }

        @Override
        public void onError(Throwable failure) {
            ended(Status.fromThrowable(failure).toString());
        }

        @Override
        public void onCompleted() {
            ended("the leader ended the stream");
        }

        private void ended(String why) {
            try {
                loop.execute(() -> {
                    if (stream != this) {
                        return;
                    }
                    if (!stopping) {
                        log.debug("Broker {} ReplicaFetch stream to {} at {} ended: {}", brokerId, leaderId,
                                endpoint, why);
                    }
                    endStream(why);
                    fetchAfterBackoff();
                });
            } catch (RejectedExecutionException closing) {
                // close() shut the loop down: the failure is the channel's shutdown, nothing to retry.
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
        if (positions.isEmpty()) {
            return Optional.empty();
        }
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
        List<Partition> appended = new ArrayList<>();
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
                        && !result.getRecords().isEmpty()) {
                    appended.add(partition);
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
        return flushAll(appended) && allFine;
    }

    /**
     * fsyncs every partition this answer appended to, together and outside their monitors, so
     * that the next fetch reports them durable (flush.mode=sync; a no-op in lazy mode).
     *
     * @return false when one could not be flushed
     */
    private boolean flushAll(List<Partition> appended) {
        boolean allFlushed = true;
        for (Partition partition : appended) {
            try {
                partition.flushLog();
            } catch (RuntimeException e) {
                allFlushed = false;
                log.warn("Broker {} could not fsync its replica of {} fetched from leader {}: {}", brokerId,
                        partition.topicPartition(), leaderId, e.toString());
            }
        }
        return allFlushed;
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
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
