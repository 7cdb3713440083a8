package io.wharf.broker.replica;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.FetchKind;
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
import io.wharf.proto.replication.ReplicationServiceGrpc;
import io.wharf.replication.replica.ReplicationException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of replication: serves a follower broker's {@code ReplicaFetch} for all the
 * partitions it follows here, recording each follower's progress (which moves the high
 * watermark) and long-polling while there is nothing new. A fetch from a broker whose
 * registration epoch is older than the metadata's is refused with STALE_BROKER_EPOCH. Every
 * answer carries the leader's log start offset, which followers adopt as their own; a fetch
 * offset outside the leader's log is answered OFFSET_OUT_OF_RANGE with it, and a follower that
 * fell below it restarts there. Thread-safe.
 */
public final class ReplicationGrpcService extends ReplicationServiceGrpc.ReplicationServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(ReplicationGrpcService.class);

    private final PartitionLookup lookup;
    private final Supplier<MetadataImage> image;
    private final ScheduledExecutorService executor;
    private final BrokerMetrics metrics;

    /**
     * @param executor runs the deadlines of waiting fetches
     * @param metrics  records each follower fetch's time
     */
    public ReplicationGrpcService(PartitionLookup lookup, Supplier<MetadataImage> image,
                                  ScheduledExecutorService executor, BrokerMetrics metrics) {
        this.lookup = lookup;
        this.image = image;
        this.executor = executor;
        this.metrics = metrics;
    }

    @Override
    public void replicaFetch(ReplicaFetchRequest request, StreamObserver<ReplicaFetchResponse> observer) {
        long arrived = System.nanoTime();
        Optional<String> stale = staleEpoch(request);
        List<Partition> watch = new ArrayList<>();
        if (stale.isEmpty()) {
            for (ReplicaFetchPartition asked : request.getPartitionsList()) {
                try {
                    watch.add(lookup.leader(asked.getTopic(), asked.getPartition()));
                } catch (RuntimeException e) {
                    // Answered with its error by the evaluation.
                }
            }
        }
        long maxWait = stale.isPresent() ? 0 : request.getMaxWaitMs();
        LongPoll.start(executor, watch, maxWait, () -> evaluate(request, stale)).whenComplete((response, failure) -> {
            try {
                if (failure != null) {
                    log.error("ReplicaFetch from broker {} failed", request.getReplicaId(), failure);
                    observer.onError(Status.INTERNAL.withDescription(failure.toString()).asRuntimeException());
                } else {
                    observer.onNext(response);
                    observer.onCompleted();
                    metrics.recordFetchRequest(FetchKind.FOLLOWER, System.nanoTime() - arrived);
                }
            } catch (RuntimeException e) {
                log.debug("Could not answer a cancelled ReplicaFetch: {}", e.toString());
            }
        });
    }

    private Optional<String> staleEpoch(ReplicaFetchRequest request) {
        long known = image.get().broker(request.getReplicaId()).map(BrokerRegistration::epoch).orElse(-1L);
        if (request.getBrokerEpoch() < known) {
            return Optional.of("broker " + request.getReplicaId() + " fetched with registration epoch "
                    + request.getBrokerEpoch() + " but its current one is " + known + "; it must register again");
        }
        return Optional.empty();
    }

    private LongPoll.Attempt<ReplicaFetchResponse> evaluate(ReplicaFetchRequest request, Optional<String> stale) {
        int remaining = request.getMaxBytes() > 0 ? request.getMaxBytes() : Integer.MAX_VALUE;
        int bytes = 0;
        boolean urgent = false;
        ReplicaFetchResponse.Builder response = ReplicaFetchResponse.newBuilder();
        for (ReplicaFetchPartition asked : request.getPartitionsList()) {
            ReplicaFetchPartitionResult.Builder result = ReplicaFetchPartitionResult.newBuilder()
                    .setTopic(asked.getTopic()).setPartition(asked.getPartition());
            try {
                if (stale.isPresent()) {
                    urgent = true;
                    result.setError(PartitionLookup.error(ErrorCode.STALE_BROKER_EPOCH, stale.get()))
                            .setHighWatermark(-1).setLogStartOffset(-1);
                    response.addPartitions(result);
                    continue;
                }
                Partition partition = lookup.leader(asked.getTopic(), asked.getPartition());
                int max = asked.getPartitionMaxBytes() > 0 ? asked.getPartitionMaxBytes() : remaining;
                int budget = bytes > 0 ? Math.min(max, remaining) : max;
                ReplicaFetchResult fetched = partition.replicaFetch(request.getReplicaId(), asked.getFetchOffset(),
                        asked.getDurableEndOffset(), asked.getCurrentLeaderEpoch(), asked.getLastFetchedEpoch(),
                        Math.max(1, budget));
                result.setError(PartitionLookup.none()).setHighWatermark(fetched.highWatermark())
                        .setLogStartOffset(fetched.logStartOffset()).setRecords(fetched.records());
                fetched.diverging().ifPresent(d -> result.setDivergingEpoch(DivergingEpoch.newBuilder()
                        .setEpoch(d.epoch()).setEndOffset(d.endOffset())));
                // The follower learns the HW only from answers; like Kafka's, it may lag by up to max wait.
                urgent |= fetched.diverging().isPresent();
                bytes += fetched.records().size();
                remaining -= fetched.records().size();
            } catch (RuntimeException e) {
                urgent = true;
                Error error = lookup.toError(e, asked.getTopic(), asked.getPartition());
                result.setError(error).setHighWatermark(-1)
                        .setLogStartOffset(error.getCode() == ErrorCode.OFFSET_OUT_OF_RANGE
                                ? leaderLogStart(asked) : -1);
            }
            response.addPartitions(result);
        }
        return new LongPoll.Attempt<>(response.build(), urgent || bytes > 0);
    }

    /**
     * The log start offset to send with OFFSET_OUT_OF_RANGE: a follower whose fetch offset is
     * below it restarts its log there. -1 when this broker no longer leads the partition.
     */
    private long leaderLogStart(ReplicaFetchPartition asked) {
        try {
            return lookup.leader(asked.getTopic(), asked.getPartition()).log().logStartOffset();
        } catch (ReplicationException notLeaderAnyMore) {
            return -1;
        }
    }
}
