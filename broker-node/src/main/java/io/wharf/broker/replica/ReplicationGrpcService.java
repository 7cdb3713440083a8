package io.wharf.broker.replica;

import io.grpc.Status;
import io.prometheus.metrics.core.metrics.Counter;
import io.wharf.broker.TopicPartition;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.FetchKind;
import io.wharf.broker.partition.LeaderReads;
import io.wharf.broker.partition.LongPoll;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.ReplicaFetchResult;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.replication.DivergingEpoch;
import io.wharf.proto.replication.ReplicaFetchPartition;
import io.wharf.proto.replication.ReplicaFetchPartitionResult;
import io.wharf.proto.replication.ReplicaFetchRequest;
import io.wharf.proto.replication.ReplicaFetchResponse;
import io.wharf.proto.replication.ReplicaFetchTopicPartition;
import io.wharf.proto.replication.ReplicationServiceGrpc;
import io.wharf.replication.replica.ReplicationException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of replication: serves a follower broker's {@code ReplicaFetch} stream, one
 * request at a time, for all the partitions it follows here, recording each follower's progress (which moves the high
 * watermark) and long-polling while there is nothing new. A fetch from a broker whose
 * registration epoch is older than the metadata's is refused with STALE_BROKER_EPOCH. Every
 * answer carries the leader's log start offset, which followers adopt as their own; a fetch
 * offset outside the leader's log is answered OFFSET_OUT_OF_RANGE with it, and a follower that
 * fell below it restarts there.
 *
 * <p>A full request opens a fetch session for its follower when the {@link FetchSessionCache}
 * has room. Later requests of the session are incremental: they list only the partitions whose
 * position changed, the others are served from the position remembered for them (so each still
 * counts as fetched, which keeps a caught-up follower in the ISR), and the answer lists only the
 * partitions with something to say. An unknown session or an unexpected session epoch is
 * answered with a session error and no partition, and the follower starts over with a full
 * request. Thread-safe.
 */
public final class ReplicationGrpcService extends ReplicationServiceGrpc.ReplicationServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(ReplicationGrpcService.class);
    /** One session per follower broker: far more than a cluster has brokers. */
    private static final int SESSION_CAPACITY = 1000;
    /** Several max waits: a session this idle belongs to a follower that stopped fetching here. */
    private static final Duration SESSION_MIN_IDLE_BEFORE_EVICTION = Duration.ofMinutes(2);
    private static final long NANOS_PER_MILLI = 1_000_000;

    private final PartitionLookup lookup;
    private final Supplier<MetadataImage> image;
    private final ScheduledExecutorService executor;
    private final BrokerMetrics metrics;
    private final FetchSessionCache sessions = new FetchSessionCache(SESSION_CAPACITY,
            SESSION_MIN_IDLE_BEFORE_EVICTION);
    private final Counter sessionRequests;
    private final Counter partitionsRequested;
    private final Counter partitionsAnswered;

    /**
     * @param executor runs the deadlines of waiting fetches
     * @param metrics  records each follower fetch's time, and the fetch session counters on its
     *                 registry
     */
    public ReplicationGrpcService(PartitionLookup lookup, Supplier<MetadataImage> image,
                                  ScheduledExecutorService executor, BrokerMetrics metrics) {
        this.lookup = lookup;
        this.image = image;
        this.executor = executor;
        this.metrics = metrics;
        this.sessionRequests = Counter.builder().name("wharf_replica_fetch_session_requests_total")
                .help("Follower fetch requests to this leader by how they used a fetch session: full (listing "
                        + "every partition), incremental, or refused for an unknown session or epoch.")
                .labelNames("kind").withoutExemplars().register(metrics.registry());
        this.partitionsRequested = Counter.builder().name("wharf_replica_fetch_partitions_requested_total")
                .help("Partitions listed in follower fetch requests to this leader; an incremental request "
                        + "lists only those whose position changed.")
                .withoutExemplars().register(metrics.registry());
        this.partitionsAnswered = Counter.builder().name("wharf_replica_fetch_partitions_answered_total")
                .help("Partitions listed in this leader's answers to follower fetches; an incremental answer "
                        + "lists only those with records, a new high watermark or log start, or an error.")
                .withoutExemplars().register(metrics.registry());
    }

    /**
     * One follower's stream: its requests, one at a time, each answered on the stream once
     * (long-polling while there is nothing new). A second request while one waits breaks that
     * protocol and ends the stream with INVALID_ARGUMENT; the follower then starts over.
     */
    @Override
    public StreamObserver<ReplicaFetchRequest> replicaFetch(StreamObserver<ReplicaFetchResponse> responses) {
        return new FetchStream(responses);
    }

    private void handle(ReplicaFetchRequest request, FetchStream stream) {
        long arrived = System.nanoTime();
        partitionsRequested.inc(request.getPartitionsCount());
        Optional<String> stale = staleEpoch(request);
        if (stale.isPresent()) {
            // Its fetcher stops until it registered again; a new session then starts from a full request.
            sessions.close(request.getReplicaId());
            answer(stream, arrived, staleAnswer(request, stale.get()), Optional.empty());
            return;
        }
        Served served;
        try {
            served = serve(request, arrived / NANOS_PER_MILLI);
        } catch (FetchSessionException e) {
            sessionRequests.labelValues("refused").inc();
            log.debug("ReplicaFetch from broker {}: {}", request.getReplicaId(), e.getMessage());
            answer(stream, arrived, ReplicaFetchResponse.newBuilder()
                    .setSessionError(PartitionLookup.error(e.code(), e.getMessage())).build(), Optional.empty());
            return;
        }
        sessionRequests.labelValues(served.incremental() ? "incremental" : "full").inc();
        List<Partition> watch = new ArrayList<>();
        for (FetchSession.Member member : served.members()) {
            try {
                watch.add(lookup.leader(member.topicPartition().topic(), member.topicPartition().partition()));
            } catch (RuntimeException e) {
                // Answered with its error by the evaluation.
            }
        }
        LongPoll.start(executor, watch, request.getMaxWaitMs(), () -> evaluate(request, served))
                .whenComplete((response, failure) -> {
                    if (failure != null) {
                        log.error("ReplicaFetch from broker {} failed", request.getReplicaId(), failure);
                        // The follower starts over with a full request, which replaces this session.
                        stream.end(Status.INTERNAL.withDescription(failure.toString()));
                    } else {
                        answer(stream, arrived, response, served.session());
                    }
                });
    }

    /**
     * The leader's end of one follower's stream. Answers come from the transport thread, from
     * the thread whose append or HW move completed a waiting request, or from the deadline
     * executor; the monitor keeps them, and the end of the stream, one at a time.
     */
    private final class FetchStream implements StreamObserver<ReplicaFetchRequest> {

        private final StreamObserver<ReplicaFetchResponse> responses;
        private boolean waiting;   // guarded by this: a request is being served
        private boolean ended;     // guarded by this

        FetchStream(StreamObserver<ReplicaFetchResponse> responses) {
            this.responses = responses;
        }

        @Override
        public void onNext(ReplicaFetchRequest request) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                if (waiting) {
                    endLocked(Status.INVALID_ARGUMENT.withDescription("broker " + request.getReplicaId()
                            + " sent a ReplicaFetch request before the answer to its previous one; one at a time"));
                    return;
                }
                waiting = true;
            }
            handle(request, this);
        }

        @Override
        public void onError(Throwable failure) {
            // The follower cancelled (it stopped fetching here, or timed out): a waiting answer is dropped.
            synchronized (this) {
                ended = true;
            }
        }

        @Override
        public void onCompleted() {
            synchronized (this) {
                if (!ended) {
                    ended = true;
                    respond(responses::onCompleted);
                }
            }
        }

        /** Sends the answer to the request being served; false when the stream has ended. */
        synchronized boolean send(ReplicaFetchResponse response) {
            waiting = false;
            if (ended) {
                return false;
            }
            respond(() -> responses.onNext(response));
            return true;
        }

        synchronized void end(Status status) {
            endLocked(status);
        }

        private void endLocked(Status status) {
            if (!ended) {
                ended = true;
                respond(() -> responses.onError(status.asRuntimeException()));
            }
        }
    }

    /** The partitions one request is served for, and the session it opened or continued, if any. */
    private record Served(List<FetchSession.Member> members, Optional<FetchSession> session, boolean incremental) {
    }

    private Served serve(ReplicaFetchRequest request, long nowMs) {
        Map<TopicPartition, FetchPosition> listed = new LinkedHashMap<>();
        for (ReplicaFetchPartition asked : request.getPartitionsList()) {
            listed.put(new TopicPartition(asked.getTopic(), asked.getPartition()),
                    new FetchPosition(asked.getFetchOffset(), asked.getDurableEndOffset(),
                            asked.getCurrentLeaderEpoch(), asked.getLastFetchedEpoch(), asked.getPartitionMaxBytes()));
        }
        if (request.getSessionEpoch() == 0) {
            Optional<FetchSession> session = sessions.open(request.getReplicaId(), nowMs);
            session.ifPresent(s -> s.update(listed, List.of()));
            List<FetchSession.Member> members = new ArrayList<>(listed.size());
            listed.forEach((tp, position) -> members.add(new FetchSession.Member(tp, position)));
            return new Served(members, session, false);
        }
        FetchSession session = sessions.resume(request.getReplicaId(), request.getSessionId(),
                request.getSessionEpoch(), nowMs);
        List<TopicPartition> forgotten = new ArrayList<>(request.getForgottenCount());
        for (ReplicaFetchTopicPartition gone : request.getForgottenList()) {
            forgotten.add(new TopicPartition(gone.getTopic(), gone.getPartition()));
        }
        session.update(listed, forgotten);
        return new Served(session.members(), Optional.of(session), true);
    }

    /**
     * Sends {@code response}, first recording in {@code session} the high watermarks and log
     * starts the follower adopts from it, so the next incremental answer leaves out what did not
     * change since. It adopts neither from an error or a diverging epoch. A follower whose
     * stream ends never learns of them, but it then starts over with a full request.
     */
    private void answer(FetchStream stream, long arrived, ReplicaFetchResponse response,
                        Optional<FetchSession> session) {
        session.ifPresent(s -> response.getPartitionsList().stream()
                .filter(result -> result.getError().getCode() == ErrorCode.NONE && !result.hasDivergingEpoch())
                .forEach(result -> s.sent(new TopicPartition(result.getTopic(), result.getPartition()),
                        result.getHighWatermark(), result.getLogStartOffset())));
        partitionsAnswered.inc(response.getPartitionsCount());
        if (stream.send(response)) {
            metrics.recordFetchRequest(FetchKind.FOLLOWER, System.nanoTime() - arrived);
        }
    }

    private static void respond(Runnable send) {
        try {
            send.run();
        } catch (RuntimeException e) {
            log.debug("Could not answer on a cancelled ReplicaFetch stream: {}", e.toString());
        }
    }

    private Optional<String> staleEpoch(ReplicaFetchRequest request) {
        long known = image.get().broker(request.getReplicaId()).map(BrokerRegistration::epoch).orElse(-1L);
        if (request.getBrokerEpoch() < known) {
            return Optional.of("broker " + request.getReplicaId() + " fetched with registration epoch "
                    + request.getBrokerEpoch() + " but its current one is " + known + "; it must register again");
        }
        return Optional.empty();
    }

    /** Every listed partition refused, and the request as a whole, which matters when it lists none. */
    private static ReplicaFetchResponse staleAnswer(ReplicaFetchRequest request, String stale) {
        Error error = PartitionLookup.error(ErrorCode.STALE_BROKER_EPOCH, stale);
        ReplicaFetchResponse.Builder response = ReplicaFetchResponse.newBuilder().setSessionError(error);
        for (ReplicaFetchPartition asked : request.getPartitionsList()) {
            response.addPartitions(ReplicaFetchPartitionResult.newBuilder().setTopic(asked.getTopic())
                    .setPartition(asked.getPartition()).setError(error).setHighWatermark(-1).setLogStartOffset(-1));
        }
        return response.build();
    }

    private LongPoll.Attempt<ReplicaFetchResponse> evaluate(ReplicaFetchRequest request, Served served) {
        int remaining = request.getMaxBytes() > 0 ? request.getMaxBytes() : Integer.MAX_VALUE;
        int bytes = 0;
        boolean urgent = false;
        ReplicaFetchResponse.Builder response = ReplicaFetchResponse.newBuilder()
                .setSessionId(served.session().map(FetchSession::id).orElse(0));
        for (FetchSession.Member member : served.members()) {
            TopicPartition tp = member.topicPartition();
            FetchPosition at = member.position();
            ReplicaFetchPartitionResult.Builder result = ReplicaFetchPartitionResult.newBuilder()
                    .setTopic(tp.topic()).setPartition(tp.partition());
            boolean news;
            try {
                Partition partition = lookup.leader(tp.topic(), tp.partition());
                int max = at.maxBytes() > 0 ? at.maxBytes() : remaining;
                int budget = bytes > 0 ? Math.min(max, remaining) : max;
                ReplicaFetchResult fetched = LeaderReads.replicaFetch(partition, request.getReplicaId(),
                        at.fetchOffset(), at.durableEndOffset(), at.currentLeaderEpoch(), at.lastFetchedEpoch(),
                        Math.max(1, budget));
                result.setError(PartitionLookup.none()).setHighWatermark(fetched.highWatermark())
                        .setLogStartOffset(fetched.logStartOffset()).setRecords(fetched.records());
                fetched.diverging().ifPresent(d -> result.setDivergingEpoch(DivergingEpoch.newBuilder()
                        .setEpoch(d.epoch()).setEndOffset(d.endOffset())));
                // The follower learns the HW only from answers; like Kafka's, it may lag by up to max wait.
                urgent |= fetched.diverging().isPresent();
                bytes += fetched.records().size();
                remaining -= fetched.records().size();
                news = !fetched.records().isEmpty() || fetched.diverging().isPresent()
                        || served.session().map(s -> s.changedSinceSent(tp, fetched.highWatermark(),
                                fetched.logStartOffset())).orElse(true);
            } catch (RuntimeException e) {
                urgent = true;
                news = true;
                Error error = lookup.toError(e, tp.topic(), tp.partition());
                result.setError(error).setHighWatermark(-1)
                        .setLogStartOffset(error.getCode() == ErrorCode.OFFSET_OUT_OF_RANGE ? leaderLogStart(tp) : -1);
            }
            if (news || !served.incremental()) {
                response.addPartitions(result);
            }
        }
        return new LongPoll.Attempt<>(response.build(), urgent || bytes > 0);
    }

    /**
     * The log start offset to send with OFFSET_OUT_OF_RANGE: a follower whose fetch offset is
     * below it restarts its log there. -1 when this broker no longer leads the partition.
     */
    private long leaderLogStart(TopicPartition tp) {
        try {
            return lookup.leader(tp.topic(), tp.partition()).log().logStartOffset();
        } catch (ReplicationException notLeaderAnyMore) {
            return -1;
        }
    }
}
