package io.wharf.broker;

import io.grpc.Status;
import io.wharf.broker.metrics.BrokerMetrics;
import io.wharf.broker.metrics.FetchKind;
import io.wharf.broker.metrics.ProduceStage;
import io.wharf.proto.broker.FetchPartitionResult;
import io.grpc.stub.StreamObserver;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.producer.ProducerIdAllocator;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.metadata.TopicImage;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeLogsRequest;
import io.wharf.proto.broker.DescribeLogsResponse;
import io.wharf.proto.broker.DescribeMetadataRequest;
import io.wharf.proto.broker.DescribeMetadataResponse;
import io.wharf.proto.broker.FetchRequest;
import io.wharf.proto.broker.FetchResponse;
import io.wharf.proto.broker.InitProducerIdRequest;
import io.wharf.proto.broker.InitProducerIdResponse;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ListOffsetsResponse;
import io.wharf.broker.group.GroupCoordinatorService;
import io.wharf.broker.queue.QueueService;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DeleteQueueResponse;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.EnqueueRequest;
import io.wharf.proto.broker.EnqueueResponse;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.PurgeQueueResponse;
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
import io.wharf.proto.broker.ListGroupsRequest;
import io.wharf.proto.broker.ListGroupsResponse;
import io.wharf.proto.broker.OffsetCommitRequest;
import io.wharf.proto.broker.OffsetCommitResponse;
import io.wharf.proto.broker.OffsetFetchRequest;
import io.wharf.proto.broker.OffsetFetchResponse;
import io.wharf.proto.broker.ProduceRequest;
import io.wharf.proto.broker.ProduceResponse;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's gRPC {@code BrokerService}. {@code DescribeMetadata} answers from the broker's own
 * metadata image, which may trail the controllers by the time a record takes to stream here;
 * Produce (unary or pipelined on a stream), Fetch and ListOffsets go to their handlers and answer asynchronously; InitProducerId
 * takes an id from the {@link ProducerIdAllocator}; DescribeLogs reads the hosted replicas' logs
 * ({@link DescribeLogsHandler}). Thread-safe.
 */
final class BrokerGrpcService extends BrokerServiceGrpc.BrokerServiceImplBase {

    private static final Logger log = LoggerFactory.getLogger(BrokerGrpcService.class);

    /** Brokers do not track each other's heartbeats. */
    private static final long LIVENESS_NOT_TRACKED = -1;

    private final int brokerId;
    private final Supplier<MetadataImage> image;
    private final ProduceHandler produce;
    private final FetchHandler fetch;
    private final ListOffsetsHandler listOffsets;
    private final DescribeLogsHandler describeLogs;
    private final ProducerIdAllocator producerIds;
    private final GroupCoordinatorService groups;
    private final QueueService queues;
    private final BrokerMetrics metrics;

    /** Told, after a response was handed to gRPC, that response and when it was ready ({@link System#nanoTime()}). */
    @FunctionalInterface
    interface AfterSend<T> {
        void sent(T response, long readyNanos);
    }

    BrokerGrpcService(int brokerId, Supplier<MetadataImage> image, ProduceHandler produce, FetchHandler fetch,
                      ListOffsetsHandler listOffsets, DescribeLogsHandler describeLogs, ProducerIdAllocator producerIds,
                      GroupCoordinatorService groups, QueueService queues, BrokerMetrics metrics) {
        this.producerIds = producerIds;
        this.queues = queues;
        this.groups = groups;
        this.metrics = metrics;
        this.brokerId = brokerId;
        this.image = image;
        this.produce = produce;
        this.fetch = fetch;
        this.listOffsets = listOffsets;
        this.describeLogs = describeLogs;
    }

    @Override
    public void produce(ProduceRequest request, StreamObserver<ProduceResponse> observer) {
        long arrived = System.nanoTime();
        reply(produce.produce(request, arrived), observer, (response, ready) -> {
            long sent = System.nanoTime();
            metrics.recordProduceStage(ProduceStage.RESPONSE, sent - ready);
            metrics.recordProduceRequest(sent - arrived);
        });
    }

    /** Appends each request of the stream in the order sent; see {@link ProduceStreamCall}. */
    @Override
    public StreamObserver<ProduceRequest> produceStream(StreamObserver<ProduceResponse> responses) {
        return new ProduceStreamCall(produce, metrics, responses);
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchResponse> observer) {
        long arrived = System.nanoTime();
        reply(fetch.fetch(request), observer, (response, ready) -> {
            metrics.recordFetchRequest(FetchKind.CONSUMER, System.nanoTime() - arrived);
            for (FetchPartitionResult result : response.getPartitionsList()) {
                if (!result.getRecords().isEmpty()) {
                    metrics.recordConsumed(result.getTopic(), result.getRecords().asReadOnlyByteBuffer());
                }
            }
        });
    }

    @Override
    public void listOffsets(ListOffsetsRequest request, StreamObserver<ListOffsetsResponse> observer) {
        reply(CompletableFuture.completedFuture(listOffsets.listOffsets(request)), observer);
    }

    @Override
    public void describeLogs(DescribeLogsRequest request, StreamObserver<DescribeLogsResponse> observer) {
        CompletableFuture<DescribeLogsResponse> answer;
        try {
            answer = CompletableFuture.completedFuture(describeLogs.describeLogs(request));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);  // a bug: answered INTERNAL with its message
        }
        reply(answer, observer);
    }

    /** Answers a producer id with epoch 0, or CONTROLLER_UNAVAILABLE (retriable) when none could be had. */
    @Override
    public void initProducerId(InitProducerIdRequest request, StreamObserver<InitProducerIdResponse> observer) {
        reply(producerIds.nextId().handle((id, failure) -> {
            if (failure == null) {
                return InitProducerIdResponse.newBuilder().setError(PartitionLookup.none()).setProducerId(id)
                        .setProducerEpoch(0).build();
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (!(cause instanceof ProducerIdAllocator.AllocationException allocation)) {
                throw new CompletionException(cause);
            }
            return InitProducerIdResponse.newBuilder().setError(allocation.error()).setProducerId(-1)
                    .setProducerEpoch(-1).build();
        }), observer);
    }

    @Override
    public void findCoordinator(FindCoordinatorRequest request, StreamObserver<FindCoordinatorResponse> observer) {
        reply(CompletableFuture.completedFuture(groups.findCoordinator(request)), observer);
    }

    @Override
    public void groupHeartbeat(GroupHeartbeatRequest request, StreamObserver<GroupHeartbeatResponse> observer) {
        // A held heartbeat (max_wait_ms) may be answered after its client cancelled it; reply then
        // drops the answer quietly instead of throwing into the coordinator thread that completes it.
        reply(groups.heartbeat(request, ClientAddress.current()), observer);
    }

    @Override
    public void offsetCommit(OffsetCommitRequest request, StreamObserver<OffsetCommitResponse> observer) {
        reply(groups.commitOffsets(request), observer);
    }

    @Override
    public void offsetFetch(OffsetFetchRequest request, StreamObserver<OffsetFetchResponse> observer) {
        reply(groups.fetchOffsets(request), observer);
    }

    @Override
    public void describeGroup(DescribeGroupRequest request, StreamObserver<DescribeGroupResponse> observer) {
        reply(groups.describeGroup(request), observer);
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsResponse> observer) {
        reply(groups.listGroups(), observer);
    }

    @Override
    public void deleteGroup(DeleteGroupRequest request, StreamObserver<DeleteGroupResponse> observer) {
        reply(groups.deleteGroup(request), observer);
    }

    @Override
    public void deleteOffsets(DeleteOffsetsRequest request, StreamObserver<DeleteOffsetsResponse> observer) {
        reply(groups.deleteOffsets(request), observer);
    }

    @Override
    public StreamObserver<PublishBatch> publish(StreamObserver<PublishConfirms> responses) {
        return queues.publish(responses);
    }

    @Override
    public void enqueue(EnqueueRequest request, StreamObserver<EnqueueResponse> observer) {
        reply(queues.enqueue(request), observer);
    }

    @Override
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> responses) {
        return queues.consume(responses);
    }

    @Override
    public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        reply(queues.get(request), observer);
    }

    @Override
    public void describeQueue(DescribeQueueRequest request, StreamObserver<DescribeQueueResponse> observer) {
        reply(queues.describe(request), observer);
    }

    @Override
    public void purgeQueue(PurgeQueueRequest request, StreamObserver<PurgeQueueResponse> observer) {
        reply(queues.purge(request), observer);
    }

    @Override
    public void deleteQueue(DeleteQueueRequest request, StreamObserver<DeleteQueueResponse> observer) {
        reply(queues.delete(request), observer);
    }

    /** Sends the answer when it is ready; a failure (a bug) becomes an INTERNAL status with its message. */
    static <T> void reply(CompletableFuture<T> answer, StreamObserver<T> observer) {
        reply(answer, observer, (response, ready) -> { });
    }

    /** As {@link #reply(CompletableFuture, StreamObserver)}, telling {@code afterSend} about a sent response. */
    static <T> void reply(CompletableFuture<T> answer, StreamObserver<T> observer, AfterSend<T> afterSend) {
        answer.whenComplete((response, failure) -> {
            long ready = System.nanoTime();
            try {
                if (failure != null) {
                    log.error("BrokerService call failed", failure);
                    observer.onError(Status.INTERNAL.withDescription(failure.toString()).asRuntimeException());
                } else {
                    observer.onNext(response);
                    observer.onCompleted();
                    afterSend.sent(response, ready);
                }
            } catch (RuntimeException e) {
                // The call was cancelled meanwhile; nothing is left to tell the client.
                log.debug("Could not answer a cancelled BrokerService call: {}", e.toString());
            }
        });
    }

    /** Brokers sorted by id, topics by name; requested names that do not exist are left out. */
    @Override
    public void describeMetadata(DescribeMetadataRequest request, StreamObserver<DescribeMetadataResponse> observer) {
        MetadataImage current = image.get();
        DescribeMetadataResponse.Builder response = DescribeMetadataResponse.newBuilder()
                .setBrokerId(brokerId)
                .setMetadataOffset(current.offset());
        if (request.getOffsetOnly()) {
            observer.onNext(response.build());
            observer.onCompleted();
            return;
        }
        for (BrokerRegistration broker : current.brokers().values()) {
            response.addBrokers(MetadataViews.toBrokerInfo(broker, LIVENESS_NOT_TRACKED));
        }
        if (request.getTopicsCount() == 0) {
            for (TopicImage topic : current.topics().values()) {
                response.addTopics(MetadataViews.toTopicDescription(topic));
            }
        } else {
            for (String name : new TreeSet<>(request.getTopicsList())) {
                current.topic(name).ifPresent(topic -> response.addTopics(MetadataViews.toTopicDescription(topic)));
            }
        }
        observer.onNext(response.build());
        observer.onCompleted();
    }
}
