package io.wharf.client.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.AlterConfigsRequest;
import io.wharf.proto.controller.AlterConfigsResponse;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DeleteTopicsRequest;
import io.wharf.proto.controller.DeleteTopicsResponse;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.DescribeTopicsResponse;
import io.wharf.proto.controller.ElectLeadersRequest;
import io.wharf.proto.controller.ElectLeadersResponse;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.ListTopicsResponse;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.controller.ListBindingsRequest;
import io.wharf.proto.controller.ListBindingsResponse;
import io.wharf.proto.controller.ListExchangesRequest;
import io.wharf.proto.controller.ListExchangesResponse;
import io.wharf.proto.controller.ListQueuesRequest;
import io.wharf.proto.controller.ListQueuesResponse;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A scripted ControllerService for client tests: each call is answered by a replaceable function
 * and every request is recorded. Thread-safe (gRPC calls it from its executor threads).
 */
public final class FakeControllerService extends ControllerServiceGrpc.ControllerServiceImplBase {

    /** Answers a CreateTopics request, or throws a gRPC status to fail the call. */
    public volatile Function<CreateTopicsRequest, CreateTopicsResponse> createTopics = request -> {
        CreateTopicsResponse.Builder response = CreateTopicsResponse.newBuilder();
        request.getTopicsList().forEach(topic -> response.addResults(result(topic.getName(), ErrorCode.NONE, "")));
        return response.build();
    };
    public volatile Function<DeleteTopicsRequest, DeleteTopicsResponse> deleteTopics = request -> {
        DeleteTopicsResponse.Builder response = DeleteTopicsResponse.newBuilder();
        request.getNamesList().forEach(name -> response.addResults(result(name, ErrorCode.NONE, "")));
        return response.build();
    };
    public volatile Function<DescribeClusterRequest, DescribeClusterResponse> describeCluster =
            request -> DescribeClusterResponse.newBuilder().setLeaderId(1).build();
    public volatile Function<DescribeTopicsRequest, DescribeTopicsResponse> describeTopics =
            request -> DescribeTopicsResponse.getDefaultInstance();
    public volatile Function<ListTopicsRequest, ListTopicsResponse> listTopics =
            request -> ListTopicsResponse.getDefaultInstance();
    /** Answers ElectLeaders: by default every named partition moves; none named, nothing moves. */
    public volatile Function<ElectLeadersRequest, ElectLeadersResponse> electLeaders = request -> {
        ElectLeadersResponse.Builder response = ElectLeadersResponse.newBuilder();
        request.getPartitionsList().forEach(ref -> response.addResults(
                result(ref.getTopic() + "-" + ref.getPartition(), ErrorCode.NONE, "")));
        return response.build();
    };
    public volatile Function<AlterConfigsRequest, AlterConfigsResponse> alterConfigs = request ->
            AlterConfigsResponse.newBuilder().setResult(result(request.getTopic(), ErrorCode.NONE, "")).build();
    /** When true, DescribeCluster never answers (the caller's deadline must end it). */
    public volatile boolean describeClusterHangs;

    public final List<CreateTopicsRequest> createRequests = new CopyOnWriteArrayList<>();
    public final List<DeleteTopicsRequest> deleteRequests = new CopyOnWriteArrayList<>();
    public final List<ElectLeadersRequest> electRequests = new CopyOnWriteArrayList<>();
    public final List<AlterConfigsRequest> alterRequests = new CopyOnWriteArrayList<>();

    public static TopicResult result(String name, ErrorCode code, String message) {
        return TopicResult.newBuilder().setName(name)
                .setError(Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1)).build();
    }

    public static TopicResult redirect(String name, String leaderEndpoint) {
        return TopicResult.newBuilder().setName(name)
                .setError(Error.newBuilder().setCode(ErrorCode.NOT_CONTROLLER).setMessage("not the controller")
                        .setLeaderId(2).setLeaderEndpoint(leaderEndpoint)).build();
    }

    @Override
    public void createTopics(CreateTopicsRequest request, StreamObserver<CreateTopicsResponse> observer) {
        createRequests.add(request);
        answer(() -> createTopics.apply(request), observer);
    }

    @Override
    public void deleteTopics(DeleteTopicsRequest request, StreamObserver<DeleteTopicsResponse> observer) {
        deleteRequests.add(request);
        answer(() -> deleteTopics.apply(request), observer);
    }

    @Override
    public void alterConfigs(AlterConfigsRequest request, StreamObserver<AlterConfigsResponse> observer) {
        alterRequests.add(request);
        answer(() -> alterConfigs.apply(request), observer);
    }

    @Override
    public void electLeaders(ElectLeadersRequest request, StreamObserver<ElectLeadersResponse> observer) {
        electRequests.add(request);
        answer(() -> electLeaders.apply(request), observer);
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
        if (!describeClusterHangs) {
            answer(() -> describeCluster.apply(request), observer);
        }
    }

    @Override
    public void describeTopics(DescribeTopicsRequest request, StreamObserver<DescribeTopicsResponse> observer) {
        answer(() -> describeTopics.apply(request), observer);
    }

    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
        answer(() -> listTopics.apply(request), observer);
    }

    private static <T> void answer(java.util.function.Supplier<T> response, StreamObserver<T> observer) {
        T value;
        try {
            value = response.get();
        } catch (io.grpc.StatusRuntimeException e) {
            observer.onError(e);
            return;
        } catch (RuntimeException e) {
            observer.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
            return;
        }
        observer.onNext(value);
        observer.onCompleted();
    }

    /** Exchanges, queues and bindings: none unless a test scripts them. */
    public volatile ListExchangesResponse exchanges = ListExchangesResponse.getDefaultInstance();
    public volatile ListQueuesResponse queues = ListQueuesResponse.getDefaultInstance();
    public volatile ListBindingsResponse bindings = ListBindingsResponse.getDefaultInstance();

    @Override
    public void listExchanges(ListExchangesRequest request, StreamObserver<ListExchangesResponse> observer) {
        observer.onNext(exchanges);
        observer.onCompleted();
    }

    @Override
    public void listQueues(ListQueuesRequest request, StreamObserver<ListQueuesResponse> observer) {
        observer.onNext(queues);
        observer.onCompleted();
    }

    @Override
    public void listBindings(ListBindingsRequest request, StreamObserver<ListBindingsResponse> observer) {
        observer.onNext(bindings);
        observer.onCompleted();
    }
}
