package io.wharf.broker.group;

import io.grpc.StatusRuntimeException;
import io.wharf.broker.BrokerChannels;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.group.GroupsImage;
import io.wharf.group.TopicPartition;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.proto.broker.BrokerServiceGrpc;
import io.wharf.proto.broker.ListOffsetsPartition;
import io.wharf.proto.broker.ListOffsetsPartitionResult;
import io.wharf.proto.broker.ListOffsetsRequest;
import io.wharf.proto.broker.ListOffsetsResponse;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Samples, at a fixed interval, the consumer groups this broker coordinates against the high
 * watermarks of the partitions they committed offsets for, for the lag metrics: as a lag exporter
 * does for Kafka, but inside the coordinator, which already holds the committed offsets. A
 * partition this broker leads gives its high watermark directly; the others are asked of their
 * leaders with one ListOffsets (latest) per leader. Publishes {@link GroupFigures} for scrapes.
 *
 * <p>Owns one thread (its sampling) and the channels to the other brokers; {@link #close} stops
 * both. A scrape only reads the last published figures.
 */
public final class GroupLagSampler implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GroupLagSampler.class);
    /** ListOffsets answers are small; this is only a bound. */
    private static final int MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
    private static final long LATEST = -1;
    private static final int ANY_EPOCH = -1;

    private final int brokerId;
    private final GroupCoordinatorService coordinator;
    private final PartitionRegistry registry;
    private final Supplier<MetadataImage> image;
    private final Duration requestTimeout;
    private final BrokerChannels channels = new BrokerChannels(MAX_RESPONSE_BYTES);
    private final ScheduledExecutorService thread;
    private volatile GroupFigures figures = GroupFigures.NONE;

    /**
     * Starts sampling every {@code interval}.
     *
     * @param requestTimeout how long one step (the coordinator's state, one leader's answer) may take
     */
    public GroupLagSampler(int brokerId, GroupCoordinatorService coordinator, PartitionRegistry registry,
                           Supplier<MetadataImage> image, Duration interval, Duration requestTimeout) {
        this.brokerId = brokerId;
        this.coordinator = coordinator;
        this.registry = registry;
        this.image = image;
        this.requestTimeout = requestTimeout;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-group-lag"));
        thread.scheduleWithFixedDelay(this::sample, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The figures of the last sample. */
    public GroupFigures figures() {
        return figures;
    }

    private void sample() {
        List<GroupsImage> led;
        try {
            led = coordinator.ledGroups().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (ExecutionException | TimeoutException | RejectedExecutionException e) {
            LOG.debug("Broker {}: no group lag sample this round, the coordinator did not answer: {}", brokerId,
                    e.toString());
            return;
        }
        figures = GroupFigures.of(led, highWatermarks(GroupFigures.committedPartitions(led)));
    }

    /** The high watermarks this round could learn; a partition without a leader or answer is left out. */
    private Map<TopicPartition, Long> highWatermarks(List<TopicPartition> partitions) {
        MetadataImage current = image.get();
        Map<TopicPartition, Long> found = new HashMap<>();
        Map<String, List<TopicPartition>> byLeader = new TreeMap<>();
        for (TopicPartition tp : partitions) {
            int leader = current.topic(tp.topic()).flatMap(topic -> topic.partition(tp.partition()))
                    .map(PartitionState::leader).orElse(PartitionState.NO_LEADER);
            if (leader == brokerId) {
                localHighWatermark(tp).ifPresent(hw -> found.put(tp, hw));
            } else if (leader != PartitionState.NO_LEADER) {
                current.broker(leader).map(BrokerRegistration::endpoint).ifPresent(endpoint ->
                        byLeader.computeIfAbsent(endpoint, e -> new ArrayList<>()).add(tp));
            }
        }
        byLeader.forEach((endpoint, asked) -> found.putAll(remoteHighWatermarks(endpoint, asked)));
        return found;
    }

    private Optional<Long> localHighWatermark(TopicPartition tp) {
        return registry.partition(new io.wharf.broker.TopicPartition(tp.topic(), tp.partition()))
                .filter(Partition::isLeader).map(Partition::highWatermark);
    }

    private Map<TopicPartition, Long> remoteHighWatermarks(String endpoint, List<TopicPartition> asked) {
        ListOffsetsRequest.Builder request = ListOffsetsRequest.newBuilder();
        asked.forEach(tp -> request.addPartitions(ListOffsetsPartition.newBuilder().setTopic(tp.topic())
                .setPartition(tp.partition()).setTimestamp(LATEST).setCurrentLeaderEpoch(ANY_EPOCH)));
        ListOffsetsResponse response;
        try {
            response = BrokerServiceGrpc.newBlockingStub(channels.channel(endpoint))
                    .withDeadlineAfter(requestTimeout.toMillis(), TimeUnit.MILLISECONDS).listOffsets(request.build());
        } catch (StatusRuntimeException e) {
            LOG.debug("Broker {}: no high watermarks from {} this round: {}", brokerId, endpoint, e.getStatus());
            return Map.of();
        }
        Map<TopicPartition, Long> found = new HashMap<>();
        for (ListOffsetsPartitionResult result : response.getPartitionsList()) {
            if (result.getError().getCode() == ErrorCode.NONE) {
                found.put(new TopicPartition(result.getTopic(), result.getPartition()), result.getOffset());
            }
        }
        return found;
    }

    @Override
    public void close() {
        if (!ServiceThreads.stop(Duration.ofSeconds(5), thread)) {
            LOG.warn("Broker {} group lag thread did not stop within 5 s", brokerId);
        }
        channels.close();
    }
}
