package io.wharf.client.admin;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.EndpointChannels;
import io.wharf.client.TopicPartition;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.DescribeLogsRequest;
import io.wharf.proto.broker.DescribeLogsResponse;
import io.wharf.proto.broker.ReplicaLog;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.common.PartitionInfo;
import io.wharf.proto.common.TopicDescription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Asks the leader of each partition for its log (broker {@code DescribeLogs}): one call per
 * leader broker, all in flight together, each bounded by the attempt timeout, and no retries (a
 * description is a snapshot; the caller asks again). What a leader cannot tell — it is down, it
 * no longer leads the partition, its log directory is offline — is reported per broker rather than
 * thrown, so one dead broker does not hide the other partitions. Thread-safe: a call keeps its
 * state to itself and the channels are.
 */
final class LeaderLogs {

    private final EndpointChannels channels;
    private final Duration attemptTimeout;

    LeaderLogs(EndpointChannels channels, Duration attemptTimeout) {
        this.channels = channels;
        this.attemptTimeout = attemptTimeout;
    }

    /**
     * @param topics  the partitions and their leaders, as the controllers described them
     * @param brokers where each broker serves its BrokerService
     * @throws ClientException REQUEST_TIMED_OUT when the calling thread is interrupted while waiting
     */
    LogDescriptions describe(List<TopicDescription> topics, Map<Integer, Endpoint> brokers) {
        Map<Integer, List<TopicPartition>> byLeader = new TreeMap<>();
        for (TopicDescription topic : topics) {
            for (PartitionInfo partition : topic.getPartitionsList()) {
                byLeader.computeIfAbsent(partition.getLeader(), leader -> new ArrayList<>())
                        .add(new TopicPartition(topic.getName(), partition.getPartition()));
            }
        }
        List<LogDescriptions.Failure> failures = new ArrayList<>();
        Map<Integer, CompletableFuture<DescribeLogsResponse>> calls = new TreeMap<>();
        byLeader.forEach((leader, partitions) -> {
            if (leader < 0) {
                failures.add(new LogDescriptions.Failure(leader, partitions, "no leader right now"));
            } else if (!brokers.containsKey(leader)) {
                failures.add(new LogDescriptions.Failure(leader, partitions, "the controllers know no endpoint of "
                        + "their leader, broker " + leader));
            } else {
                calls.put(leader, call(brokers.get(leader), DescribeLogsRequest.newBuilder()
                        .addAllTopics(new TreeSet<>(partitions.stream().map(TopicPartition::topic).toList())).build()));
            }
        });
        Map<TopicPartition, PartitionLog> logs = new HashMap<>();
        for (Map.Entry<Integer, CompletableFuture<DescribeLogsResponse>> call : calls.entrySet()) {
            int leader = call.getKey();
            Endpoint endpoint = brokers.get(leader);
            List<TopicPartition> partitions = byLeader.get(leader);
            DescribeLogsResponse response;
            try {
                response = call.getValue().get();
            } catch (ExecutionException e) {
                Status status = Status.fromThrowable(e.getCause());
                channels.reconnectPromptly(endpoint);
                failures.add(new LogDescriptions.Failure(leader, partitions, "their leader, broker " + leader + " at "
                        + endpoint + ", did not answer DescribeLogs: " + status.getCode()
                        + (status.getDescription() == null ? "" : " (" + status.getDescription() + ")")));
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while waiting for DescribeLogs", e);
            }
            if (response.getError().getCode() != ErrorCode.NONE) {
                failures.add(new LogDescriptions.Failure(leader, partitions, "their leader, broker " + leader
                        + ", answered " + response.getError().getCode() + ": " + response.getError().getMessage()));
                continue;
            }
            Map<TopicPartition, ReplicaLog> led = new HashMap<>();
            for (ReplicaLog replica : response.getReplicasList()) {
                if (replica.getIsLeader()) {
                    led.put(new TopicPartition(replica.getTopic(), replica.getPartition()), replica);
                }
            }
            List<TopicPartition> notLed = new ArrayList<>();
            for (TopicPartition tp : partitions) {
                ReplicaLog replica = led.get(tp);
                if (replica == null) {
                    notLed.add(tp);
                } else {
                    logs.put(tp, partitionLog(tp, leader, replica));
                }
            }
            if (!notLed.isEmpty()) {
                failures.add(new LogDescriptions.Failure(leader, notLed, "broker " + leader
                        + " does not lead them (any more, or yet): ask again"));
            }
        }
        return new LogDescriptions(logs, failures);
    }

    private CompletableFuture<DescribeLogsResponse> call(Endpoint broker, DescribeLogsRequest request) {
        CompletableFuture<DescribeLogsResponse> answer = new CompletableFuture<>();
        BrokerServiceGrpc.newStub(channels.channel(broker))
                .withDeadlineAfter(attemptTimeout.toMillis(), TimeUnit.MILLISECONDS)
                .describeLogs(request, new StreamObserver<>() {
                    @Override
                    public void onNext(DescribeLogsResponse response) {
                        answer.complete(response);
                    }

                    @Override
                    public void onError(Throwable t) {
                        answer.completeExceptionally(t);
                    }

                    @Override
                    public void onCompleted() {
                        // the single response was handed over in onNext
                    }
                });
        return answer;
    }

    private static PartitionLog partitionLog(TopicPartition tp, int leader, ReplicaLog replica) {
        return new PartitionLog(tp, leader, replica.getLogStartOffset(), replica.getLogEndOffset(),
                replica.getHighWatermark(), replica.getSizeBytes(), replica.getSegmentCount(),
                replica.getCleanupPolicy(), replica.getFirstDirtyOffset(),
                replica.hasDirtyRatio() ? OptionalDouble.of(replica.getDirtyRatio()) : OptionalDouble.empty());
    }
}
