package io.wharf.client.admin;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.proto.common.BrokerInfo;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.TopicDescription;
import io.wharf.proto.controller.AlterConfigsRequest;
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
import io.wharf.proto.controller.TopicResult;
import io.wharf.proto.metadata.PartitionRef;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Administers a Wharf cluster through its controllers: topics and cluster description; and, for
 * what only the brokers know, the partitions' logs through their leaders ({@link #describeLogs}).
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
