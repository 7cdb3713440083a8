package io.wharf.client.admin;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.client.queue.QueueLeaderCaller;
import io.wharf.proto.broker.BrokerServiceGrpc.BrokerServiceBlockingStub;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DeleteQueueResponse;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.PurgeQueueResponse;
import io.wharf.proto.common.BindingInfo;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.BrokerState;
import io.wharf.proto.common.DestinationKind;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.ExchangeInfo;
import io.wharf.proto.common.ExchangeType;
import io.wharf.proto.common.QueueInfo;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.AlterConfigsRequest;
import io.wharf.proto.controller.BindRequest;
import io.wharf.proto.controller.ControllerServiceGrpc.ControllerServiceBlockingStub;
import io.wharf.proto.controller.CreateTopicsRequest;
import io.wharf.proto.controller.CreateTopicsResponse;
import io.wharf.proto.controller.DeclareExchangeRequest;
import io.wharf.proto.controller.DeclareQueueRequest;
import io.wharf.proto.controller.DeclareQueueResponse;
import io.wharf.proto.controller.DeleteExchangeRequest;
import io.wharf.proto.controller.DeleteTopicsRequest;
import io.wharf.proto.controller.DeleteTopicsResponse;
import io.wharf.proto.controller.DescribeClusterRequest;
import io.wharf.proto.controller.DescribeClusterResponse;
import io.wharf.proto.controller.DescribeTopicsRequest;
import io.wharf.proto.controller.DescribeTopicsResponse;
import io.wharf.proto.controller.ElectLeadersRequest;
import io.wharf.proto.controller.ElectLeadersResponse;
import io.wharf.proto.controller.ListBindingsRequest;
import io.wharf.proto.controller.ListExchangesRequest;
import io.wharf.proto.controller.ListQueuesRequest;
import io.wharf.proto.controller.ListQueuesResponse;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.controller.UnbindRequest;
import io.wharf.proto.metadata.DeclareExchangeCommand;
import io.wharf.proto.metadata.DeclareQueueCommand;
import io.wharf.proto.metadata.PartitionRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Administers a Wharf cluster through its controllers: topics, exchanges, queues, bindings and
 * cluster description; and, for what only the brokers know, the partitions' logs and the queues'
 * state through their leaders ({@link #describeLogs}, {@link #describeQueue}, {@link #purgeQueue},
 * {@link #deleteQueue}).
 *
 * <p>Keeps one gRPC channel per controller. A call that fails retriably (a controller down or not
 * answering in time, {@code NOT_CONTROLLER}, {@code CONTROLLER_UNAVAILABLE},
 * {@code REQUEST_TIMED_OUT}) is sent again — to the leader a redirect names, else to the next
 * controller — until it succeeds or {@link AdminClientConfig#totalTimeout()} passes, and then fails
 * with an {@link AdminException} carrying the last error. Errors that need the request changed
 * (e.g. {@code TOPIC_ALREADY_EXISTS}) come back per topic in {@link TopicOutcome}s.
 *
 * <p>Thread-safe: any number of threads may call it concurrently.
 */
public final class AdminClient implements AutoCloseable {

    private final ControllerChannels channels;
    private final RetryingCaller caller;
    private final EndpointChannels brokerChannels;
    private final LeaderLogs leaderLogs;
    private final QueueLeaderCaller queueLeaders;
    private final AdminClientConfig config;

    /** A client over plaintext gRPC channels to the controllers in {@code config}. */
    public AdminClient(AdminClientConfig config) {
        this(config, endpoint -> ManagedChannelBuilder.forAddress(endpoint.host(), endpoint.port())
                .usePlaintext()
                .build());
    }

    /** A client whose channels come from {@code channelFactory} (e.g. in-process channels in tests). */
    public AdminClient(AdminClientConfig config, Function<Endpoint, ManagedChannel> channelFactory) {
        this.channels = new ControllerChannels(config.bootstrap(), channelFactory);
        this.caller = new RetryingCaller(channels, config);
        this.brokerChannels = new EndpointChannels(channelFactory);
        this.leaderLogs = new LeaderLogs(brokerChannels, config.attemptTimeout());
        this.queueLeaders = new QueueLeaderCaller(brokerChannels, config.attemptTimeout(), config.retryBackoff());
        this.config = config;
    }

    /** A client with default timings for controllers given as {@code host:port,...}. */
    public static AdminClient create(String bootstrap) {
        return new AdminClient(AdminClientConfig.of(bootstrap));
    }

    /**
     * Creates topics. Returns one outcome per topic, in the order given; topics that failed
     * retriably are retried alone, the others keep their first answer.
     */
    public List<TopicOutcome> createTopics(List<NewTopic> topics) {
        Map<String, NewTopic> pending = new LinkedHashMap<>();
        topics.forEach(topic -> pending.put(topic.name(), topic));
        Map<String, TopicOutcome> outcomes = new LinkedHashMap<>();
        return caller.call("CreateTopics", stub -> {
            CreateTopicsRequest.Builder request = CreateTopicsRequest.newBuilder();
            pending.values().forEach(topic -> request.addTopics(topic.toSpec()));
            CreateTopicsResponse response = stub.createTopics(request.build());
            return settle(pending.keySet(), response.getResultsList(), outcomes, topics.stream().map(NewTopic::name).toList());
        });
    }

    /** Deletes topics; one outcome per name, in the order given, retried like {@link #createTopics}. */
    public List<TopicOutcome> deleteTopics(List<String> names) {
        Set<String> pending = new LinkedHashSet<>(names);
        Map<String, TopicOutcome> outcomes = new LinkedHashMap<>();
        return caller.call("DeleteTopics", stub -> {
            DeleteTopicsResponse response = stub.deleteTopics(DeleteTopicsRequest.newBuilder().addAllNames(pending).build());
            return settle(pending, response.getResultsList(), outcomes, names);
        });
    }

    /** The names of every topic, sorted. */
    public List<String> listTopics() {
        return caller.call("ListTopics", stub -> new Attempt.Done<>(
                stub.listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList().stream().sorted().toList()));
    }

    /** Describes the named topics, or every topic when {@code names} is empty. */
    public TopicDescriptions describeTopics(List<String> names) {
        return caller.call("DescribeTopics", stub -> {
            DescribeTopicsResponse response = stub.describeTopics(DescribeTopicsRequest.newBuilder().addAllNames(names).build());
            for (TopicResult error : response.getErrorsList()) {
                if (RetriableErrors.isRetriable(error.getError().getCode())) {
                    return retryOn(error.getError());
                }
            }
            return new Attempt.Done<>(new TopicDescriptions(response.getTopicsList(),
                    response.getErrorsList().stream().map(AdminClient::outcomeOf).toList()));
        });
    }

    /**
     * Sets ({@code set}) and removes ({@code delete}: back to the default) configs of one topic, as
     * Kafka's incremental AlterConfigs; brokers apply them to the live replicas.
     *
     * @return success, or UNKNOWN_TOPIC / INVALID_CONFIG naming what to fix (nothing changed)
     */
    public TopicOutcome alterTopicConfigs(String topic, Map<String, String> set, List<String> delete) {
        AlterConfigsRequest request = AlterConfigsRequest.newBuilder().setTopic(topic).putAllSet(set)
                .addAllDelete(delete).build();
        return caller.call("AlterConfigs", stub -> {
            TopicResult result = stub.alterConfigs(request).getResult();
            if (RetriableErrors.isRetriable(result.getError().getCode())) {
                return retryOn(result.getError());
            }
            return new Attempt.Done<>(outcomeOf(result));
        });
    }

    /**
     * Moves leadership of the given partitions (every partition when none is given) to their
     * preferred replicas, as Kafka's preferred leader election. One outcome per named partition,
     * named {@code topic-partition}: success, ELECTION_NOT_NEEDED (it already leads),
     * PREFERRED_LEADER_NOT_AVAILABLE (fenced or out of the ISR), UNKNOWN_TOPIC or
     * UNKNOWN_PARTITION; for every partition, one success per leadership moved.
     */
    public List<TopicOutcome> electPreferredLeaders(List<TopicPartition> partitions) {
        ElectLeadersRequest.Builder request = ElectLeadersRequest.newBuilder();
        partitions.forEach(tp -> request.addPartitions(PartitionRef.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition())));
        return caller.call("ElectLeaders", stub -> {
            ElectLeadersResponse response = stub.electLeaders(request.build());
            for (TopicResult result : response.getResultsList()) {
                if (RetriableErrors.isRetriable(result.getError().getCode())) {
                    // a retry of a committed election answers ELECTION_NOT_NEEDED for what moved
                    return retryOn(result.getError());
                }
            }
            return new Attempt.Done<>(response.getResultsList().stream().map(AdminClient::outcomeOf).toList());
        });
    }

    /** The controllers (with roles, terms, applied indexes), the brokers and the leader, as one controller sees them. */
    public DescribeClusterResponse describeCluster() {
        return caller.call("DescribeCluster", stub -> new Attempt.Done<>(
                stub.describeCluster(DescribeClusterRequest.getDefaultInstance())));
    }

    /**
     * The logs of {@code topics}' partitions as each partition's leader describes it: offsets,
     * size, segments, cleanup policy and, for a topic that compacts, where the log cleaner stands.
     * The brokers' endpoints come from the controllers ({@link #describeCluster()}); each leader
     * broker is asked once, all together, within the attempt timeout. A partition whose leader could
     * not tell is listed in {@link LogDescriptions#failures()} rather than failing the call.
     *
     * @param topics as {@link #describeTopics} returned them (their leaders are asked)
     */
    public LogDescriptions describeLogs(List<TopicDescription> topics) {
        Map<Integer, Endpoint> brokers = new HashMap<>();
        for (BrokerInfo broker : describeCluster().getBrokersList()) {
            if (!broker.getHost().isBlank() && broker.getPort() > 0) {
                brokers.put(broker.getId(), new Endpoint(broker.getHost(), broker.getPort()));
            }
        }
        return leaderLogs.describe(topics, brokers);
    }

    /**
     * Declares an exchange (idempotent: the same declaration again changes nothing).
     *
     * @param internal clients cannot publish to it; only other exchanges route to it
     * @param arguments e.g. {@code alternate-exchange}
     * @throws AdminException PRECONDITION_FAILED (declared with other properties), INVALID_NAME,
     *     ACCESS_REFUSED (a reserved name), INVALID_ARGUMENT, with the controller's message
     */
    public void declareExchange(String name, ExchangeType type, boolean internal, Map<String, String> arguments) {
        DeclareExchangeRequest request = DeclareExchangeRequest.newBuilder().setExchange(DeclareExchangeCommand
                .newBuilder().setName(name).setType(type).setInternal(internal).putAllArguments(arguments)).build();
        controllerWrite("DeclareExchange", "declaring exchange '" + name + "'", stub -> {
            var answer = stub.declareExchange(request);
            return new Written(answer.getError(), answer.getMetadataOffset());
        });
    }

    /**
     * Deletes an exchange and every binding from or to it.
     *
     * @param ifUnused refuse (PRECONDITION_FAILED) while it is the source of a binding
     * @throws AdminException NOT_FOUND, PRECONDITION_FAILED, ACCESS_REFUSED (a built-in exchange)
     */
    public void deleteExchange(String name, boolean ifUnused) {
        DeleteExchangeRequest request = DeleteExchangeRequest.newBuilder().setName(name).setIfUnused(ifUnused).build();
        controllerWrite("DeleteExchange", "deleting exchange '" + name + "'", stub -> {
            var answer = stub.deleteExchange(request);
            return new Written(answer.getError(), answer.getMetadataOffset());
        });
    }

    /** {@link #declareQueue(String, Map, int)} with the default replication factor. */
    public QueueInfo declareQueue(String name, Map<String, String> arguments) {
        return declareQueue(name, arguments, 0);
    }

    /**
     * Declares a queue and creates its log (idempotent). Returns it as declared, or as it already was.
     *
     * @param replicationFactor replicas of its log; 0 for the default (x-quorum-initial-group-size,
     *     else 3, capped at the active brokers)
     * @throws AdminException PRECONDITION_FAILED (declared with other arguments), INVALID_NAME,
     *     ACCESS_REFUSED, INVALID_ARGUMENT
     */
    public QueueInfo declareQueue(String name, Map<String, String> arguments, int replicationFactor) {
        DeclareQueueRequest request = DeclareQueueRequest.newBuilder().setQueue(DeclareQueueCommand.newBuilder()
                .setName(name).putAllArguments(arguments).setReplicationFactor(replicationFactor)).build();
        DeclareQueueResponse response = caller.call("DeclareQueue", stub -> {
            DeclareQueueResponse answer = stub.declareQueue(request);
            return RetriableErrors.isRetriable(answer.getError().getCode()) ? retryOn(answer.getError())
                    : new Attempt.Done<>(answer);
        });
        requireNone("declaring queue '" + name + "'", response.getError());
        awaitBrokersAt(response.getMetadataOffset());
        return response.getQueue();
    }

    /**
     * Deletes a queue, its bindings and its messages, through its leader, which checks the conditions.
     *
     * @param ifUnused refuse (PRECONDITION_FAILED) while it has consumers
     * @param ifEmpty refuse (PRECONDITION_FAILED) while it holds messages
     * @return how many messages it held
     * @throws AdminException NOT_FOUND, PRECONDITION_FAILED; REQUEST_TIMED_OUT when no leader answered
     */
    public long deleteQueue(String name, boolean ifUnused, boolean ifEmpty) {
        DeleteQueueRequest request = DeleteQueueRequest.newBuilder()
                .setQueue(name).setIfUnused(ifUnused).setIfEmpty(ifEmpty).build();
        DeleteQueueResponse response = onQueueLeader(name, "DeleteQueue", stub -> stub.deleteQueue(request),
                DeleteQueueResponse::getError).response();
        requireNone("deleting queue '" + name + "'", response.getError());
        return response.getMessageCount();
    }

    /**
     * Drops a queue's ready messages (held ones stay), on its leader; returns how many went.
     *
     * @throws AdminException NOT_FOUND; REQUEST_TIMED_OUT when no leader answered
     */
    public long purgeQueue(String name) {
        PurgeQueueResponse response = onQueueLeader(name, "PurgeQueue",
                stub -> stub.purgeQueue(PurgeQueueRequest.newBuilder().setQueue(name).build()),
                PurgeQueueResponse::getError).response();
        requireNone("purging queue '" + name + "'", response.getError());
        return response.getPurged();
    }

    /**
     * A queue as its leader sees it: ready and unacked counts, consumers, and its log's placement.
     *
     * @throws AdminException NOT_FOUND; REQUEST_TIMED_OUT when no leader answered
     */
    public QueueDescription describeQueue(String name) {
        LeaderAnswer<DescribeQueueResponse> answer = onQueueLeader(name, "DescribeQueue",
                stub -> stub.describeQueue(DescribeQueueRequest.newBuilder().setQueue(name).build()),
                DescribeQueueResponse::getError);
        requireNone("describing queue '" + name + "'", answer.response().getError());
        return QueueDescription.of(answer.response(), answer.queue());
    }

    /** Every exchange, the built-in ones included, sorted by name. */
    public List<ExchangeInfo> listExchanges() {
        return caller.call("ListExchanges", stub -> new Attempt.Done<>(stub.listExchanges(
                ListExchangesRequest.getDefaultInstance()).getExchangesList().stream()
                .sorted(Comparator.comparing(ExchangeInfo::getName)).toList()));
    }

    /** Every queue, with its log's leader, replicas and ISR, sorted by name. */
    public List<QueueInfo> listQueues() {
        return listQueues(List.of());
    }

    /**
     * The named queues (every queue when none is named), sorted by name.
     *
     * @throws AdminException NOT_FOUND naming the first queue that does not exist
     */
    public List<QueueInfo> listQueues(List<String> names) {
        ListQueuesResponse response = caller.call("ListQueues", stub -> new Attempt.Done<>(stub.listQueues(
                ListQueuesRequest.newBuilder().addAllNames(names).build())));
        if (response.getErrorsCount() > 0) {
            TopicResult error = response.getErrors(0);
            throw new AdminException(error.getError().getCode(), "queue '" + error.getName() + "': "
                    + error.getError().getMessage());
        }
        return response.getQueuesList().stream().sorted(Comparator.comparing(QueueInfo::getName)).toList();
    }

    /** The bindings whose source is {@code source}, or every binding when it is empty. */
    public List<BindingInfo> listBindings(String source) {
        return caller.call("ListBindings", stub -> new Attempt.Done<>(List.copyOf(stub.listBindings(
                ListBindingsRequest.newBuilder().setSource(source).build()).getBindingsList())));
    }

    /**
     * Binds {@code destination} (a queue or an exchange, per {@code kind}) to the exchange
     * {@code source}; binding again what is bound changes nothing.
     *
     * @param arguments for a headers exchange: x-match and the header values to match
     * @throws AdminException NOT_FOUND (either end), ACCESS_REFUSED, INVALID_ARGUMENT
     */
    public void bind(String source, String destination, DestinationKind kind, String routingKey,
                     Map<String, String> arguments) {
        BindingInfo binding = binding(source, destination, kind, routingKey, arguments);
        controllerWrite("Bind", "binding " + describe(binding), stub -> {
            var answer = stub.bind(BindRequest.newBuilder().setBinding(binding).build());
            return new Written(answer.getError(), answer.getMetadataOffset());
        });
    }

    /**
     * Removes the binding with exactly these five fields; removing one that does not exist is not
     * an error (as in RabbitMQ), an unknown exchange or queue is (NOT_FOUND).
     */
    public void unbind(String source, String destination, DestinationKind kind, String routingKey,
                       Map<String, String> arguments) {
        BindingInfo binding = binding(source, destination, kind, routingKey, arguments);
        controllerWrite("Unbind", "unbinding " + describe(binding), stub -> {
            var answer = stub.unbind(UnbindRequest.newBuilder().setBinding(binding).build());
            return new Written(answer.getError(), answer.getMetadataOffset());
        });
    }

    private static BindingInfo binding(String source, String destination, DestinationKind kind, String routingKey,
                                       Map<String, String> arguments) {
        return BindingInfo.newBuilder().setSource(source).setDestination(destination).setDestinationKind(kind)
                .setRoutingKey(routingKey).putAllArguments(arguments).build();
    }

    private static String describe(BindingInfo binding) {
        return (binding.getDestinationKind() == DestinationKind.EXCHANGE ? "exchange '" : "queue '")
                + binding.getDestination() + "' to exchange '" + binding.getSource() + "' with routing key '"
                + binding.getRoutingKey() + "'";
    }

    /** A metadata write's answer: its error and the metadata offset holding it. */
    private record Written(Error error, long metadataOffset) {
    }

    /**
     * Runs a metadata write (exchanges, queues, bindings), retrying the retriable errors; throws on
     * any other; on success returns once the active brokers have the change.
     */
    private void controllerWrite(String operation, String action, Function<ControllerServiceBlockingStub, Written> rpc) {
        Written written = caller.call(operation, stub -> {
            Written answer = rpc.apply(stub);
            return RetriableErrors.isRetriable(answer.error().getCode()) ? retryOn(answer.error())
                    : new Attempt.Done<>(answer);
        });
        requireNone(action, written.error());
        awaitBrokersAt(written.metadataOffset());
    }

    /** Waits (bounded by the total timeout) until every active broker's metadata reached {@code offset}. */
    private void awaitBrokersAt(long offset) {
        List<Endpoint> active = new ArrayList<>();
        for (BrokerInfo broker : describeCluster().getBrokersList()) {
            if (broker.getState() == BrokerState.ACTIVE && !broker.getHost().isBlank() && broker.getPort() > 0) {
                active.add(new Endpoint(broker.getHost(), broker.getPort()));
            }
        }
        BrokerMetadataWait.await(brokerChannels, active, offset, config.totalTimeout());
    }

    private static void requireNone(String action, Error error) {
        if (error.getCode() != ErrorCode.NONE) {
            throw new AdminException(error.getCode(), action + " failed: " + error.getMessage());
        }
    }

    /** A leader's answer and the queue as the controllers listed it. */
    private record LeaderAnswer<R>(R response, QueueInfo queue) {
    }

    /**
     * Sends {@code rpc} to the leader of the queue's log, which the controllers name (ListQueues,
     * DescribeCluster); the other brokers are the fallback when it moved meanwhile.
     */
    private <R> LeaderAnswer<R> onQueueLeader(String queue, String operation,
                                              Function<BrokerServiceBlockingStub, R> rpc, Function<R, Error> errorOf) {
        QueueInfo info = listQueues(List.of(queue)).stream().filter(q -> q.getName().equals(queue)).findFirst()
                .orElseThrow(() -> new AdminException(ErrorCode.NOT_FOUND, "queue '" + queue + "' does not exist"));
        Map<Integer, Endpoint> brokers = new TreeMap<>();
        for (BrokerInfo broker : describeCluster().getBrokersList()) {
            if (!broker.getHost().isBlank() && broker.getPort() > 0) {
                brokers.put(broker.getId(), new Endpoint(broker.getHost(), broker.getPort()));
            }
        }
        List<Endpoint> candidates = new ArrayList<>();
        Endpoint leader = brokers.get(info.getPartition().getLeader());
        if (leader != null) {
            candidates.add(leader);
        }
        candidates.addAll(brokers.values());
        if (candidates.isEmpty()) {
            throw new AdminException(ErrorCode.REQUEST_TIMED_OUT, "the controllers know no broker to send "
                    + operation + " of queue '" + queue + "' to");
        }
        try {
            return new LeaderAnswer<>(queueLeaders.call(queue, operation, candidates, rpc, errorOf,
                    config.totalTimeout()), info);
        } catch (ClientException e) {
            throw new AdminException(e.code(), e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        channels.close();
        brokerChannels.close();
    }

    /**
     * Records the final outcomes among {@code results}, drops them from {@code pending}, and asks
     * for a retry while any pending name failed retriably.
     */
    private static Attempt.Outcome<List<TopicOutcome>> settle(Collection<String> pending, List<TopicResult> results,
                                                              Map<String, TopicOutcome> outcomes, List<String> order) {
        Error retriable = null;
        for (TopicResult result : results) {
            if (!pending.contains(result.getName())) {
                continue;
            }
            if (RetriableErrors.isRetriable(result.getError().getCode())) {
                retriable = result.getError();
            } else {
                outcomes.put(result.getName(), outcomeOf(result));
                pending.remove(result.getName());
            }
        }
        if (retriable != null) {
            return retryOn(retriable);
        }
        for (String name : List.copyOf(pending)) {
            outcomes.put(name, new TopicOutcome(name, ErrorCode.UNKNOWN_SERVER_ERROR,
                    "the controller answered no result for topic '" + name + "'"));
            pending.remove(name);
        }
        List<TopicOutcome> ordered = new ArrayList<>();
        for (String name : new LinkedHashSet<>(order)) {
            ordered.add(outcomes.get(name));
        }
        return new Attempt.Done<>(List.copyOf(ordered));
    }

    private static <T> Attempt.Outcome<T> retryOn(Error error) {
        return new Attempt.Retry<>(error.getCode(), error.getMessage(), error.getLeaderEndpoint());
    }

    private static TopicOutcome outcomeOf(TopicResult result) {
        Error error = result.getError();
        return error.getCode() == ErrorCode.NONE
                ? TopicOutcome.success(result.getName())
                : new TopicOutcome(result.getName(), error.getCode(), error.getMessage());
    }
}
