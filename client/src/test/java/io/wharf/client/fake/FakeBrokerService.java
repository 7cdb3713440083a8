package io.wharf.client.fake;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DeleteGroupRequest;
import io.wharf.proto.broker.DeleteGroupResponse;
import io.wharf.proto.broker.DeleteOffsetsRequest;
import io.wharf.proto.broker.DeleteOffsetsResponse;
import io.wharf.proto.broker.DescribeGroupRequest;
import io.wharf.proto.broker.DescribeGroupResponse;
import io.wharf.proto.broker.DescribeLogsRequest;
import io.wharf.proto.broker.DescribeLogsResponse;
import io.wharf.proto.broker.FindCoordinatorRequest;
import io.wharf.proto.broker.FindCoordinatorResponse;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.broker.ListGroupsRequest;
import io.wharf.proto.broker.ListGroupsResponse;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.broker.FetchPartition;
import io.wharf.proto.broker.FetchPartitionResult;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.FetchResponse;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.InitProducerIdResponse;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ListOffsetsResponse;
import io.wharf.proto.broker.ProducePartition;
import io.wharf.proto.broker.ProducePartitionResult;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import io.wharf.proto.broker.ReplicaLog;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.record.CorruptRecordException;
import io.wharf.record.RecordBatch;
import io.wharf.record.RecordBatches;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One fake broker: serves the {@link FakeCluster}'s logs per broker.proto — leader assigns offsets,
 * acks=-1 waits for the HW (up to timeout_ms), fetches return whole batches below the HW and
 * long-poll, requests for partitions led elsewhere answer NOT_LEADER with the leader's id and
 * endpoint. Group requests go to the cluster's {@link FakeGroupCoordinator} on the coordinator
 * broker; the others answer NOT_COORDINATOR naming it. DescribeLogs lists the partitions a broker
 * leads (one segment each; a compacted topic with the dirty ratio the test set). Thread-safe
 * (locks the cluster).
 */
final class FakeBrokerService extends BrokerServiceGrpc.BrokerServiceImplBase {

    /** Set on a thread running a request of a produce stream: counted down once it has appended. */
    private static final ThreadLocal<CountDownLatch> ARRIVED = new ThreadLocal<>();

    private final FakeCluster cluster;
    private final int id;

    FakeBrokerService(FakeCluster cluster, int id) {
        this.cluster = cluster;
        this.id = id;
    }

    @Override
    public void describeMetadata(DescribeMetadataRequest request, StreamObserver<DescribeMetadataResponse> observer) {
        DescribeMetadataResponse.Builder response = DescribeMetadataResponse.newBuilder().setBrokerId(id);
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            cluster.endpoints().forEach((brokerId, endpoint) -> response.addBrokers(BrokerInfo.newBuilder()
                    .setId(brokerId).setHost(endpoint.host()).setPort(endpoint.port()).setState(BrokerState.ACTIVE)));
            cluster.topics.forEach((name, count) -> {
                TopicDescription.Builder topic = TopicDescription.newBuilder().setName(name).setTopicId(name);
                for (int p = 0; p < count; p++) {
                    TopicPartition tp = new TopicPartition(name, p);
                    int leader = cluster.advertisedLeaders.getOrDefault(tp, cluster.leaders.get(tp));
                    topic.addPartitions(PartitionInfo.newBuilder().setPartition(p).setLeader(leader).addReplicas(leader)
                            .addIsr(leader).setLeaderEpoch(1));
                }
                response.addTopics(topic);
            });
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        ProduceResponse.Builder response = ProduceResponse.newBuilder();
        List<TopicPartition> partitions = request.getPartitionsList().stream()
                .map(p -> new TopicPartition(p.getTopic(), p.getPartition())).toList();
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            Status transportFailure = cluster.produceTransportFailures.poll();
            if (transportFailure != null) {
                observer.onError(transportFailure.asRuntimeException());
                return;
            }
            cluster.produceRequestPartitionCounts.add(request.getPartitionsCount());
            Map<TopicPartition, FakeCluster.ProduceFate> fates = new HashMap<>();
            for (TopicPartition tp : partitions) {
                FakeCluster.ProduceFate fate = cluster.produceFates.getOrDefault(tp, new ArrayDeque<>()).poll();
                fates.put(tp, fate == null ? FakeCluster.ProduceFate.ANSWER : fate);
            }
            Map<TopicPartition, Integer> arrivals = enterProduce(partitions);
            try {
                if (fates.containsValue(FakeCluster.ProduceFate.DROP)) {
                    awaitAnswerRelease(arrivals);
                    observer.onError(Status.UNAVAILABLE.withDescription("the request was dropped")
                            .asRuntimeException());
                    answerSent(partitions);
                    return;
                }
                long deadline = System.currentTimeMillis() + request.getTimeoutMs();
                for (ProducePartition partition : request.getPartitionsList()) {
                    TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
                    ProducePartitionResult result = produceOne(request.getAcks(), partition, deadline,
                            fates.get(tp) == FakeCluster.ProduceFate.NOT_LEADER);
                    cluster.produceAnswers.computeIfAbsent(tp, k -> new ArrayList<>()).add(result.getError().getCode());
                    response.addPartitions(result);
                }
                awaitAnswerRelease(arrivals);
            } finally {
                exitProduce(partitions);
            }
            boolean lose = fates.containsValue(FakeCluster.ProduceFate.LOSE_ANSWER);
            if (!lose && cluster.lostProduceResponses > 0) {
                cluster.lostProduceResponses--;
                lose = true;
            }
            if (lose) {
                observer.onError(Status.UNAVAILABLE.withDescription("the answer was lost").asRuntimeException());
                answerSent(partitions);
                return;
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
        answerSent(partitions);
    }

    /**
     * As the real broker: each request of the stream "arrives" (is counted and appended) before the
     * next one, and answers go back as they complete. Each request runs as a {@link #produce} call
     * on its own thread; the next is taken once that one has appended or is waiting (it first
     * waits on the cluster's monitor or ends). A request failed at the transport level ends the
     * stream, as a broken connection would.
     */
    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
        return new StreamObserver<>() {
            private boolean ended;

            @Override
            public void onNext(ProduceRequest request) {
                CountDownLatch arrived = new CountDownLatch(1);
                cluster.produceThreads.execute(() -> {
                    ARRIVED.set(arrived);
                    try {
                        produce(request, answerOn(request.getCorrelationId()));
                    } finally {
                        ARRIVED.remove();
                        arrived.countDown();
                    }
                });
                try {
                    arrived.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }

            private StreamObserver<ProduceResponse> answerOn(long correlationId) {
                return new StreamObserver<>() {
                    @Override
                    public void onNext(ProduceResponse response) {
                        synchronized (responses) {
                            if (!ended) {
                                responses.onNext(response.toBuilder().setCorrelationId(correlationId).build());
                                return;
                            }
                        }
                        synchronized (cluster) {
                            response.getPartitionsList().stream()
                                    .filter(result -> result.getError().getCode() == ErrorCode.NONE)
                                    .forEach(result -> cluster.appendsAnsweredOnEndedStream.merge(
                                            new TopicPartition(result.getTopic(), result.getPartition()), 1,
                                            Integer::sum));
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                        synchronized (responses) {
                            if (!ended) {
                                ended = true;
                                responses.onError(t);
                            }
                        }
                    }

                    @Override
                    public void onCompleted() {
                        // the stream goes on
                    }
                };
            }

            @Override
            public void onError(Throwable t) {
                synchronized (responses) {
                    ended = true;
                }
            }

            @Override
            public void onCompleted() {
                synchronized (responses) {
                    if (!ended) {
                        ended = true;
                        responses.onCompleted();
                    }
                }
            }
        };
    }

    private void answerSent(List<TopicPartition> partitions) {
        synchronized (cluster) {
            partitions.forEach(tp -> cluster.produceAnswersSent.merge(tp, 1, Integer::sum));
            cluster.notifyAll();
        }
    }

    /**
     * Counts a Produce request as open, at its broker and for each of its partitions, and returns
     * its place (1-based) in each partition's arrival order. Under the cluster's monitor.
     */
    private Map<TopicPartition, Integer> enterProduce(List<TopicPartition> partitions) {
        cluster.concurrentProduces++;
        cluster.maxConcurrentProduces = Math.max(cluster.maxConcurrentProduces, cluster.concurrentProduces);
        Map<TopicPartition, Integer> arrivals = new HashMap<>();
        for (TopicPartition tp : partitions) {
            int open = cluster.concurrentPartitionProduces.merge(tp, 1, Integer::sum);
            cluster.maxConcurrentPartitionProduces.merge(tp, open, Math::max);
            arrivals.put(tp, cluster.producesArrived.merge(tp, 1, Integer::sum));
        }
        return arrivals;
    }

    private void exitProduce(List<TopicPartition> partitions) {
        cluster.concurrentProduces--;
        partitions.forEach(tp -> cluster.concurrentPartitionProduces.merge(tp, -1, Integer::sum));
    }

    /** Waits while the test holds this request's answer. Under the cluster's monitor. */
    private void awaitAnswerRelease(Map<TopicPartition, Integer> arrivals) {
        while (cluster.holdProduceAnswers && !arrivals.entrySet().stream().allMatch(arrival ->
                cluster.releasedAnswers.getOrDefault(arrival.getKey(), Set.of()).contains(arrival.getValue()))) {
            waitOnCluster(1000);
        }
    }

    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
        InitProducerIdResponse response;
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            cluster.initProducerIdCalls++;
            response = InitProducerIdResponse.newBuilder().setError(Error.getDefaultInstance())
                    .setProducerId(cluster.nextProducerId++).setProducerEpoch(0).build();
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private ProducePartitionResult produceOne(int acks, ProducePartition partition, long deadline, boolean refuse) {
        TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
        ProducePartitionResult.Builder result = ProducePartitionResult.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).setBaseOffset(-1);
        Error error = routingError(tp);
        if (error == null && refuse) {
            error = error(ErrorCode.NOT_LEADER, "scripted by the test: broker " + id + " is taking over " + tp, id);
        }
        if (error == null) {
            ErrorCode injected = cluster.produceErrors.getOrDefault(tp, new java.util.ArrayDeque<>()).poll();
            if (injected != null && injected != ErrorCode.NONE) {
                error = error(injected, "injected by the test", injected == ErrorCode.NOT_LEADER ? cluster.leaders.get(tp) : -1);
            }
        }
        if (error != null) {
            return result.setError(error).build();
        }
        List<RecordBatch> batches;
        try {
            batches = RecordBatches.validateAll(partition.getRecords().asReadOnlyByteBuffer());
        } catch (CorruptRecordException e) {
            return result.setError(error(ErrorCode.CORRUPT_RECORD, e.getMessage(), -1)).build();
        }
        FakePartitionLog log = cluster.logs.get(tp);
        List<Long> duplicates = new ArrayList<>();
        Map<Long, Long> expected = new java.util.HashMap<>();
        for (RecordBatch batch : batches) {
            if (batch.producerId() < 0) {
                continue;
            }
            java.util.Optional<Long> duplicate = log.duplicateOf(batch);
            if (duplicate.isPresent() && expected.isEmpty()) {
                duplicates.add(duplicate.get());
                continue;
            }
            long next = expected.getOrDefault(batch.producerId(), log.nextSequence(batch.producerId()));
            if (batch.baseSequence() != next) {
                return result.setError(error(ErrorCode.OUT_OF_ORDER_SEQUENCE, "producer " + batch.producerId()
                        + " sent sequence " + batch.baseSequence() + " but " + next + " is next", -1)).build();
            }
            expected.put(batch.producerId(), batch.lastSequence() + 1L);
        }
        cluster.duplicateBatches.merge(tp, duplicates.size(), Integer::sum);
        List<Long> bases = new ArrayList<>(duplicates);
        for (RecordBatch batch : batches.subList(duplicates.size(), batches.size())) {
            bases.add(log.append(batch, !cluster.holdHighWatermark));
        }
        long base = bases.get(0);
        result.addAllBatchBaseOffsets(bases);
        cluster.notifyAll();
        long end = log.logEndOffset;
        while (acks == -1 && log.highWatermark < end) {
            long wait = deadline - System.currentTimeMillis();
            if (wait <= 0) {
                return result.setError(error(ErrorCode.REQUEST_TIMED_OUT, "the ISR did not reach " + end, -1)).build();
            }
            waitOnCluster(wait);
        }
        return result.setError(Error.getDefaultInstance()).setBaseOffset(acks == 0 ? -1 : base)
                .setLogStartOffset(log.logStartOffset).build();
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
        long deadline = System.currentTimeMillis() + request.getMaxWaitMs();
        FetchResponse response;
        synchronized (cluster) {
            while (true) {
                if (cluster.stopped.contains(id)) {
                    observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                    return;
                }
                response = fetchNow(request);
                boolean hasData = response.getPartitionsList().stream()
                        .anyMatch(p -> !p.getRecords().isEmpty() || p.getError().getCode() != ErrorCode.NONE);
                long wait = deadline - System.currentTimeMillis();
                if (hasData || wait <= 0) {
                    break;
                }
                waitOnCluster(wait);
            }
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private FetchResponse fetchNow(FetchRequest request) {
        FetchResponse.Builder response = FetchResponse.newBuilder();
        for (FetchPartition partition : request.getPartitionsList()) {
            TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
            FetchPartitionResult.Builder result = FetchPartitionResult.newBuilder().setTopic(tp.topic())
                    .setPartition(tp.partition());
            Error error = routingError(tp);
            FakePartitionLog log = cluster.logs.get(tp);
            if (error == null && (partition.getFetchOffset() < log.logStartOffset
                    || partition.getFetchOffset() > log.highWatermark)) {
                error = error(ErrorCode.OFFSET_OUT_OF_RANGE, "offset " + partition.getFetchOffset() + " is outside ["
                        + log.logStartOffset + ", " + log.highWatermark + "]", -1);
            }
            if (error != null) {
                response.addPartitions(result.setError(error));
                continue;
            }
            ByteBuffer records = log.read(partition.getFetchOffset(), partition.getPartitionMaxBytes());
            response.addPartitions(result.setError(Error.getDefaultInstance()).setHighWatermark(log.highWatermark)
                    .setLogStartOffset(log.logStartOffset).setRecords(ByteString.copyFrom(records)));
        }
        return response.build();
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
        ListOffsetsResponse.Builder response = ListOffsetsResponse.newBuilder();
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            for (ListOffsetsPartition partition : request.getPartitionsList()) {
                TopicPartition tp = new TopicPartition(partition.getTopic(), partition.getPartition());
                ListOffsetsPartitionResult.Builder result = ListOffsetsPartitionResult.newBuilder()
                        .setTopic(tp.topic()).setPartition(tp.partition()).setLeaderEpoch(1);
                Error error = routingError(tp);
                if (error != null) {
                    response.addPartitions(result.setError(error).setOffset(-1));
                    continue;
                }
                FakePartitionLog log = cluster.logs.get(tp);
                long offset = partition.getTimestamp() == -1 ? log.highWatermark
                        : partition.getTimestamp() == -2 ? log.logStartOffset
                        : log.offsetForTimestamp(partition.getTimestamp());
                response.addPartitions(result.setError(Error.getDefaultInstance()).setOffset(offset)
                        .setTimestamp(partition.getTimestamp() >= 0 && offset >= 0 ? partition.getTimestamp() : -1));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    /** The partitions this broker leads (the fake hosts no followers), sorted as a real broker sorts them. */
    @Override
    public void describeLogs(DescribeLogsRequest request, StreamObserver<DescribeLogsResponse> observer) {
        DescribeLogsResponse.Builder response = DescribeLogsResponse.newBuilder().setBrokerId(id)
                .setError(Error.getDefaultInstance());
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            cluster.describeLogsRequests++;
            new java.util.TreeMap<>(cluster.topics).forEach((topic, partitions) -> {
                if (request.getTopicsCount() > 0 && !request.getTopicsList().contains(topic)) {
                    return;
                }
                for (int p = 0; p < partitions; p++) {
                    TopicPartition tp = new TopicPartition(topic, p);
                    if (cluster.leaders.get(tp) == id) {
                        response.addReplicas(replicaLog(tp, cluster.logs.get(tp), cluster.dirtyRatios.get(topic)));
                    }
                }
            });
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }

    private static ReplicaLog replicaLog(TopicPartition tp, FakePartitionLog log, Double dirtyRatio) {
        ReplicaLog.Builder replica = ReplicaLog.newBuilder().setTopic(tp.topic()).setPartition(tp.partition())
                .setIsLeader(true).setLogStartOffset(log.logStartOffset).setLogEndOffset(log.logEndOffset)
                .setHighWatermark(log.highWatermark).setSizeBytes(log.sizeInBytes()).setSegmentCount(1)
                .setCleanupPolicy(dirtyRatio == null ? "delete" : "compact").setFirstDirtyOffset(-1);
        if (dirtyRatio != null) {
            replica.setFirstDirtyOffset(log.logStartOffset).setDirtyRatio(dirtyRatio);
        }
        return replica.build();
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> observer) {
        FindCoordinatorResponse response;
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            if (cluster.groups.coordinatorUnavailableAnswers > 0) {
                cluster.groups.coordinatorUnavailableAnswers--;
                response = FindCoordinatorResponse.newBuilder().setError(error(ErrorCode.COORDINATOR_NOT_AVAILABLE,
                        "__consumer_offsets is being created", -1)).setCoordinatorId(-1).build();
            } else {
                Integer misdirected = cluster.groups.misdirectFindCoordinatorTo;
                int coordinator = misdirected != null ? misdirected : cluster.groups.coordinatorId;
                Endpoint endpoint = cluster.endpoints().get(coordinator);
                response = FindCoordinatorResponse.newBuilder().setError(Error.getDefaultInstance())
                        .setCoordinatorId(coordinator).setHost(endpoint.host()).setPort(endpoint.port()).build();
            }
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    @Override
    public void groupHeartbeat(GroupHeartbeatRequest request, StreamObserver<GroupHeartbeatResponse> observer) {
        synchronized (cluster) {
            if (request.getMaxWaitMs() > 0 && cluster.groups.neverAnswerHeldHeartbeats) {
                cluster.groups.unansweredHeldHeartbeats++;
                return; // the call stays open until the client cancels it or its deadline passes
            }
        }
        answerAsCoordinator(observer, error -> GroupHeartbeatResponse.newBuilder().setError(error).build(),
                () -> cluster.groups.heartbeat(request, cluster.topics));
    }

    @Override
    public void offsetCommit(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> observer) {
        java.util.concurrent.CountDownLatch gate;
        synchronized (cluster) {
            gate = cluster.groups.nextCommitGate;
            cluster.groups.nextCommitGate = null;
            cluster.groups.commitHeld = gate != null;
        }
        if (gate != null) {
            try {
                gate.await(); // outside the monitor: other requests go on meanwhile
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        answerAsCoordinator(observer, error -> OffsetCommitResponse.newBuilder().setError(error).build(), () -> {
            OffsetCommitResponse response = cluster.groups.commit(request);
            cluster.groups.commitHeld = false;
            cluster.groups.commitsCarriedOut++;
            return response;
        });
    }

    @Override
    public void offsetFetch(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> observer) {
        answerAsCoordinator(observer, error -> OffsetFetchResponse.newBuilder().setError(error).build(),
                () -> cluster.groups.fetch(request));
    }

    @Override
    public void describeGroup(DescribeGroupRequest request, StreamObserver<DescribeGroupResponse> observer) {
        answerAsCoordinator(observer, error -> DescribeGroupResponse.newBuilder().setError(error).build(),
                () -> cluster.groups.describe(request.getGroupId(), cluster.topics));
    }

    @Override
    public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
        answerAsCoordinator(observer, error -> DeleteGroupResponse.newBuilder().setError(error).build(),
                () -> cluster.groups.delete(request.getGroupId()));
    }

    @Override
    public void deleteOffsets(DeleteOffsetsRequest request, StreamObserver<DeleteOffsetsResponse> observer) {
        answerAsCoordinator(observer, error -> DeleteOffsetsResponse.newBuilder().setError(error).build(),
                () -> cluster.groups.deleteOffsets(request.getGroupId(), request.getTopic()));
    }

    /** Only the coordinator broker lists groups, as a real broker lists those it coordinates. */
    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        ListGroupsResponse response;
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            response = id == cluster.groups.coordinatorId ? cluster.groups.list(cluster.topics)
                    : ListGroupsResponse.getDefaultInstance();
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    /** Answers {@code handle}'s response on the coordinator; elsewhere NOT_COORDINATOR naming it. */
    private <R> void answerAsCoordinator(StreamObserver<R> observer, Function<Error, R> errorResponse,
                                         Supplier<R> handle) {
        R response;
        synchronized (cluster) {
            if (cluster.stopped.contains(id)) {
                observer.onError(Status.UNAVAILABLE.withDescription("broker " + id + " is dead").asRuntimeException());
                return;
            }
            if (id != cluster.groups.coordinatorId) {
                cluster.groups.notCoordinatorAnswers++;
                response = errorResponse.apply(error(ErrorCode.NOT_COORDINATOR, "broker " + id
                        + " does not coordinate the group", cluster.groups.coordinatorId));
            } else {
                response = handle.get();
            }
        }
        observer.onNext(response);
        observer.onCompleted();
    }

    private Error routingError(TopicPartition tp) {
        Integer partitions = cluster.topics.get(tp.topic());
        if (partitions == null) {
            return error(ErrorCode.UNKNOWN_TOPIC, "no topic " + tp.topic(), -1);
        }
        if (tp.partition() >= partitions) {
            return error(ErrorCode.UNKNOWN_PARTITION, "no partition " + tp, -1);
        }
        int leader = cluster.leaders.get(tp);
        return leader == id ? null : error(ErrorCode.NOT_LEADER, "broker " + id + " does not lead " + tp, leader);
    }

    private Error error(ErrorCode code, String message, int leader) {
        Map<Integer, Endpoint> endpoints = cluster.endpoints();
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(leader)
                .setLeaderEndpoint(leader >= 0 ? endpoints.get(leader).toString() : "").build();
    }

    private void waitOnCluster(long millis) {
        CountDownLatch arrived = ARRIVED.get();
        if (arrived != null) {
            arrived.countDown();
        }
        try {
            cluster.wait(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Status.CANCELLED.withDescription("interrupted").asRuntimeException();
        }
    }
}
