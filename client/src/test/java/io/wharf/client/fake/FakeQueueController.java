package io.wharf.client.fake;

import io.grpc.stub.StreamObserver;
import io.wharf.client.fake.FakeQueueCluster.FakeQueue;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.controller.BindRequest;
import io.wharf.proto.controller.BindResponse;
import io.wharf.proto.controller.ControllerServiceGrpc;
import io.wharf.proto.controller.DeclareExchangeRequest;
import io.wharf.proto.controller.DeclareExchangeResponse;
import io.wharf.proto.controller.DeclareQueueRequest;
import io.wharf.proto.controller.DeclareQueueResponse;
import io.wharf.proto.controller.DeleteExchangeRequest;
import io.wharf.proto.controller.DeleteExchangeResponse;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.ListBindingsRequest;
import io.wharf.proto.controller.ListBindingsResponse;
import io.wharf.proto.controller.ListExchangesRequest;
import io.wharf.proto.controller.ListExchangesResponse;
import io.wharf.proto.controller.ListQueuesRequest;
import io.wharf.proto.controller.ListQueuesResponse;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.ListTopicsResponse;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.controller.UnbindRequest;
import io.wharf.proto.controller.UnbindResponse;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;

/**
 * The controller of a {@link FakeQueueCluster}: declares, deletes, binds and lists with the
 * controllers' error codes; new queues are led by broker (queue count mod brokers) + 1.
 * Thread-safe (every call locks the cluster).
 */
final class FakeQueueController extends ControllerServiceGrpc.ControllerServiceImplBase {

    private final FakeQueueCluster cluster;

    FakeQueueController(FakeQueueCluster cluster) {
        this.cluster = cluster;
    }

    private static Error error(ErrorCode code, String message) {
        return Error.newBuilder().setCode(code).setMessage(message).setLeaderId(-1).build();
    }

    private static <T> void answer(StreamObserver<T> observer, T response) {
        observer.onNext(response);
        observer.onCompleted();
    }

    /** A queue cluster has no topics (wharf dlq list also looks for dead-letter topics). */
    @Override
    public void listTopics(ListTopicsRequest request, StreamObserver<ListTopicsResponse> observer) {
        answer(observer, ListTopicsResponse.getDefaultInstance());
    }

    @Override
    public void describeCluster(DescribeClusterRequest request, StreamObserver<DescribeClusterResponse> observer) {
        DescribeClusterResponse.Builder response = DescribeClusterResponse.newBuilder().setLeaderId(1);
        cluster.brokers().forEach((id, endpoint) -> response.addBrokers(BrokerInfo.newBuilder().setId(id)
                .setHost(endpoint.host()).setPort(endpoint.port()).setState(BrokerState.ACTIVE)));
        answer(observer, response.build());
    }

    @Override
    public void declareExchange(DeclareExchangeRequest request, StreamObserver<DeclareExchangeResponse> observer) {
        DeclareExchangeCommand command = request.getExchange();
        Error result = error(ErrorCode.NONE, "");
        synchronized (cluster) {
            ExchangeInfo existing = cluster.exchanges.get(command.getName());
            if (command.getName().isEmpty() || command.getName().startsWith("amq.")) {
                result = error(ErrorCode.ACCESS_REFUSED, "exchange name '" + command.getName() + "' is reserved");
            } else if (existing != null && (existing.getType() != command.getType()
                    || existing.getInternal() != command.getInternal())) {
                result = error(ErrorCode.PRECONDITION_FAILED, "exchange '" + command.getName()
                        + "' exists with type " + existing.getType());
            } else if (existing == null) {
                cluster.exchanges.put(command.getName(), ExchangeInfo.newBuilder().setName(command.getName())
                        .setType(command.getType()).setInternal(command.getInternal())
                        .putAllArguments(command.getArgumentsMap()).build());
            }
        }
        answer(observer, DeclareExchangeResponse.newBuilder().setError(result).build());
    }

    @Override
    public void deleteExchange(DeleteExchangeRequest request, StreamObserver<DeleteExchangeResponse> observer) {
        Error result = error(ErrorCode.NONE, "");
        synchronized (cluster) {
            String name = request.getName();
            if (!cluster.exchanges.containsKey(name)) {
                result = error(ErrorCode.NOT_FOUND, "no exchange '" + name + "'");
            } else if (cluster.exchanges.get(name).getBuiltin()) {
                result = error(ErrorCode.ACCESS_REFUSED, "exchange '" + name + "' is built in");
            } else if (request.getIfUnused() && cluster.bindings.stream().anyMatch(b -> b.getSource().equals(name))) {
                result = error(ErrorCode.PRECONDITION_FAILED, "exchange '" + name + "' is in use");
            } else {
                cluster.exchanges.remove(name);
                cluster.bindings.removeIf(b -> b.getSource().equals(name)
                        || b.getDestinationKind() == DestinationKind.EXCHANGE && b.getDestination().equals(name));
            }
        }
        answer(observer, DeleteExchangeResponse.newBuilder().setError(result).build());
    }

    @Override
    public void declareQueue(DeclareQueueRequest request, StreamObserver<DeclareQueueResponse> observer) {
        DeclareQueueCommand command = request.getQueue();
        DeclareQueueResponse.Builder response = DeclareQueueResponse.newBuilder();
        synchronized (cluster) {
            FakeQueue existing = cluster.queues.get(command.getName());
            if (command.getName().isEmpty()) {
                response.setError(error(ErrorCode.INVALID_NAME, "a queue name must not be empty"));
            } else if (existing != null && !existing.arguments.equals(command.getArgumentsMap())) {
                response.setError(error(ErrorCode.PRECONDITION_FAILED, "queue '" + command.getName()
                        + "' exists with arguments " + existing.arguments));
            } else {
                if (existing == null) {
                    existing = new FakeQueue(command.getName(), cluster.queues.size() % cluster.brokers().size() + 1,
                            command.getArgumentsMap());
                    cluster.queues.put(command.getName(), existing);
                }
                response.setError(error(ErrorCode.NONE, "")).setQueue(cluster.info(existing));
            }
        }
        answer(observer, response.build());
    }

    @Override
    public void bind(BindRequest request, StreamObserver<BindResponse> observer) {
        Error result;
        synchronized (cluster) {
            result = checkEnds(request.getBinding());
            if (result.getCode() == ErrorCode.NONE && !cluster.bindings.contains(request.getBinding())) {
                cluster.bindings.add(request.getBinding());
            }
        }
        answer(observer, BindResponse.newBuilder().setError(result).build());
    }

    @Override
    public void unbind(UnbindRequest request, StreamObserver<UnbindResponse> observer) {
        Error result;
        synchronized (cluster) {
            result = checkEnds(request.getBinding());
            if (result.getCode() == ErrorCode.NONE) {
                cluster.bindings.remove(request.getBinding());
            }
        }
        answer(observer, UnbindResponse.newBuilder().setError(result).build());
    }

    private Error checkEnds(BindingInfo binding) {
        if (!cluster.exchanges.containsKey(binding.getSource())) {
            return error(ErrorCode.NOT_FOUND, "no exchange '" + binding.getSource() + "'");
        }
        boolean toExchange = binding.getDestinationKind() == DestinationKind.EXCHANGE;
        if (toExchange ? !cluster.exchanges.containsKey(binding.getDestination())
                : !cluster.queues.containsKey(binding.getDestination())) {
            return error(ErrorCode.NOT_FOUND, "no " + (toExchange ? "exchange" : "queue") + " '"
                    + binding.getDestination() + "'");
        }
        return error(ErrorCode.NONE, "");
    }

    @Override
    public void listExchanges(ListExchangesRequest request, StreamObserver<ListExchangesResponse> observer) {
        synchronized (cluster) {
            answer(observer, ListExchangesResponse.newBuilder().addAllExchanges(cluster.exchanges.values()).build());
        }
    }

    @Override
    public void listQueues(ListQueuesRequest request, StreamObserver<ListQueuesResponse> observer) {
        ListQueuesResponse.Builder response = ListQueuesResponse.newBuilder();
        synchronized (cluster) {
            if (request.getNamesList().isEmpty()) {
                cluster.queues.values().forEach(q -> response.addQueues(cluster.info(q)));
            }
            for (String name : request.getNamesList()) {
                FakeQueue queue = cluster.queues.get(name);
                if (queue == null) {
                    response.addErrors(TopicResult.newBuilder().setName(name)
                            .setError(error(ErrorCode.NOT_FOUND, "no queue '" + name + "'")));
                } else {
                    response.addQueues(cluster.info(queue));
                }
            }
        }
        answer(observer, response.build());
    }

    @Override
    public void listBindings(ListBindingsRequest request, StreamObserver<ListBindingsResponse> observer) {
        synchronized (cluster) {
            answer(observer, ListBindingsResponse.newBuilder().addAllBindings(cluster.bindings.stream()
                    .filter(b -> request.getSource().isEmpty() || b.getSource().equals(request.getSource())).toList())
                    .build());
        }
    }
}
