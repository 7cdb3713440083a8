package io.wharf.client.consumer;

import io.grpc.StatusRuntimeException;
import io.wharf.client.ClientException;
import io.wharf.client.Endpoint;
import io.wharf.client.TopicPartition;
import io.wharf.client.EndpointChannels;
import io.wharf.client.metadata.ClientMetadata;
import io.wharf.client.metadata.DataPlaneErrors;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Answers "which offset is earliest / latest / at this time" for partitions by asking each
 * partition's leader with ListOffsets, re-routing on NOT_LEADER and retrying retriable failures
 * until a deadline. Thread-safe (a lookup keeps its state in locals; the metadata is thread-safe);
 * used by a {@link Consumer} and by {@link io.wharf.client.group.GroupAdmin}.
 */
public final class OffsetLookup {

    /** ListOffsets' timestamp for the high watermark. */
    public static final long LATEST = -1;
    /** ListOffsets' timestamp for the log start offset. */
    public static final long EARLIEST = -2;

    private final ClientMetadata metadata;
    private final EndpointChannels channels;
    private final Duration requestTimeout;
    private final Duration retryBackoff;

    public OffsetLookup(ClientMetadata metadata, EndpointChannels channels, Duration requestTimeout, Duration retryBackoff) {
        this.metadata = metadata;
        this.channels = channels;
        this.requestTimeout = requestTimeout;
        this.retryBackoff = retryBackoff;
    }

    /**
     * The results for every partition in {@code timestamps} (values: {@link #LATEST},
     * {@link #EARLIEST} or a time in ms).
     *
     * @throws ClientException with the partition's error when it is not retriable, or the last
     *     retriable one when {@code timeout} passes
     */
    public Map<TopicPartition, ListOffsetsPartitionResult> lookup(Map<TopicPartition, Long> timestamps, Duration timeout) {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        Map<TopicPartition, ListOffsetsPartitionResult> results = new HashMap<>();
        Map<TopicPartition, Long> remaining = new LinkedHashMap<>(timestamps);
        ClientException last = null;
        while (!remaining.isEmpty()) {
            if (last != null) {
                if (System.currentTimeMillis() >= deadline) {
                    throw last;
                }
                pause();
                metadata.maybeRefresh();
            }
            Map<Endpoint, Map<TopicPartition, Long>> byLeader = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, Long> entry : remaining.entrySet()) {
                TopicPartition tp = entry.getKey();
                int count = metadata.view().partitionCount(tp.topic()).orElse(Integer.MAX_VALUE);
                if (tp.partition() >= count) {
                    throw new ClientException(ErrorCode.UNKNOWN_PARTITION, "no partition " + tp + ": topic '"
                            + tp.topic() + "' has " + count + " partitions (0-" + (count - 1) + ")");
                }
                Endpoint leader = metadata.view().leaderEndpoint(tp).orElse(null);
                if (leader == null) {
                    metadata.markStale();
                    last = new ClientException(ErrorCode.NOT_LEADER, "no leader known for " + entry.getKey());
                } else {
                    byLeader.computeIfAbsent(leader, l -> new LinkedHashMap<>()).put(entry.getKey(), entry.getValue());
                }
            }
            for (Map.Entry<Endpoint, Map<TopicPartition, Long>> request : byLeader.entrySet()) {
                ClientException failure = ask(request.getKey(), request.getValue(), results);
                last = failure != null ? failure : last;
            }
            remaining.keySet().removeAll(results.keySet());
        }
        return results;
    }

    private ClientException ask(Endpoint leader, Map<TopicPartition, Long> partitions,
                                Map<TopicPartition, ListOffsetsPartitionResult> results) {
        ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder();
        partitions.forEach((tp, timestamp) -> request.addPartitions(ListOffsetsPartition.newBuilder()
                .setTopic(tp.topic()).setPartition(tp.partition()).setTimestamp(timestamp).setCurrentLeaderEpoch(-1)));
        try {
            ClientException retriable = null;
            for (ListOffsetsPartitionResult result : BrokerServiceGrpc.newBlockingStub(channels.channel(leader))
                    .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
                    .listOffsets(request.build()).getPartitionsList()) {
                TopicPartition tp = new TopicPartition(result.getTopic(), result.getPartition());
                ErrorCode code = result.getError().getCode();
                if (code == ErrorCode.NONE) {
                    results.put(tp, result);
                    continue;
                }
                ClientException e = new ClientException(code, "ListOffsets for " + tp + " at broker " + leader
                        + " failed: " + code + " " + result.getError().getMessage());
                if (!DataPlaneErrors.isRetriableForKnownPartition(code)) {
                    throw e;
                }
                metadata.onPartitionError(tp, result.getError());
                retriable = e;
            }
            return retriable;
        } catch (StatusRuntimeException e) {
            if (!DataPlaneErrors.isRetriable(e.getStatus().getCode())) {
                throw new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "ListOffsets at broker " + leader + " failed: "
                        + e.getStatus(), e);
            }
            channels.reconnectPromptly(leader);
            metadata.markStale();
            return new ClientException(ErrorCode.REQUEST_TIMED_OUT, "ListOffsets at broker " + leader
                    + " failed: " + e.getStatus().getCode(), e);
        }
    }

    private void pause() {
        try {
            Thread.sleep(Math.max(1, retryBackoff.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ClientException(ErrorCode.REQUEST_TIMED_OUT, "interrupted while looking up offsets", e);
        }
    }
}
