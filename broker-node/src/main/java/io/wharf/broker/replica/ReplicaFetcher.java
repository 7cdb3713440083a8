package io.wharf.broker.replica;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.wharf.broker.HostPort;
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
import java.util.concurrent.CountDownLatch;
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
 * request starts over with a full request. Owns one thread and one channel; {@link #close()}
 * stops both.
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
    private final ManagedChannel channel;
    private final Thread thread;
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final FollowerFetchSession session = new FollowerFetchSession();

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
        this.channel = NettyChannelBuilder.forAddress(endpoint.host(), endpoint.port()).usePlaintext()
                .maxInboundMessageSize(MAX_INBOUND_MESSAGE_BYTES).build();
        this.thread = new Thread(this::run, "broker-" + brokerId + "-fetcher-from-" + leaderId);
        this.thread.setDaemon(true);
    }

    HostPort endpoint() {
        return endpoint;
    }

    void start() {
        thread.start();
    }

    private void run() {
        log.info("Broker {} fetching from leader {} at {}", brokerId, leaderId, endpoint);
        while (stopping.getCount() > 0) {
            try {
                if (!fetchOnce() && pause(backoff)) {
                    break;
                }
            } catch (RuntimeException e) {
                log.error("Broker {} fetcher from {} failed; retrying after {} ms", brokerId, leaderId,
                        backoff.toMillis(), e);
                if (pause(backoff)) {
                    break;
                }
            }
        }
    }

    /** One request and its application; false when the caller should back off before the next. */
    private boolean fetchOnce() {
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
            return false;
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
        ReplicaFetchResponse response;
        try {
            response = ReplicationServiceGrpc.newBlockingStub(channel)
                    .withDeadlineAfter(maxWait.plus(requestSlack).toMillis(), TimeUnit.MILLISECONDS)
                    .replicaFetch(request.build());
        } catch (StatusRuntimeException e) {
            session.reset();
            if (stopping.getCount() > 0) {
                log.debug("Broker {} ReplicaFetch to {} at {} failed: {}", brokerId, leaderId, endpoint, e.getStatus());
            }
            return false;
        }
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
            session.answered(next, response.getSessionId());
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

    /** Waits {@code duration} unless closed meanwhile; true when closing. */
    private boolean pause(Duration duration) {
        try {
            return stopping.await(duration.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        }
    }

    @Override
    public void close() {
        stopping.countDown();
        channel.shutdownNow();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
            if (thread.isAlive()) {
                log.warn("Broker {} fetcher from {} did not stop within 5 s", brokerId, leaderId);
            }
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
