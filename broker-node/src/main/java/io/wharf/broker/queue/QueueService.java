package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.QueueImage;
import io.wharf.metadata.QueueNames;
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
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.queue.QueueSettings;
import io.wharf.replication.replica.ReplicationException;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's queues: runs every queue whose log this broker hosts as a {@link QueueShard},
 * leader or follower, and answers the queue calls — publishes routed to the queues they match and
 * stored here or forwarded to each queue's leader ({@link MessageStores}), Consume streams
 * ({@link ConsumerStream}), Get ({@link GetHandler}), describe, purge and delete
 * ({@link QueueAdminHandler}).
 *
 * <p>Threads: everything that touches a shard runs on one thread, {@code broker-N-queues} — the
 * requests of streams and calls, the wake-ups when a queue's log moves (an append, a new high
 * watermark), and a {@value #TICK_MS} ms upkeep round (roles, consumer timeouts, TTL expiry,
 * dead letters to retry, checkpoints, the log start, the figures for the metrics). Deleting a
 * queue asks the controllers on {@code broker-N-queue-admin}, since that call blocks. {@link #close()} stops both and the forwarder's channels.
 */
public final class QueueService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueueService.class);
    static final long TICK_MS = 100;

    /** The shard serving a queue here, or why none does. */
    record Served(QueueShard shard, Optional<Error> error) {
    }

    private final int brokerId;
    private final QueueBrokerSettings settings;
    private final PartitionRegistry registry;
    private final PartitionLookup lookup;
    private final Supplier<MetadataImage> image;
    private final MetadataReadiness readiness;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final ExecutorService admin;
    private final EnqueueForwarder forwarder;
    private final MessageStores stores;
    private final GetHandler gets;
    private final QueueAdminHandler adminCalls;
    /** Confined to {@link #thread}. */
    private final MessageCache cache;
    /** Confined to {@link #thread}. */
    private final Map<TopicPartition, QueueShard> shards = new HashMap<>();
    /** Confined to {@link #thread}: shards with a drain scheduled, or listening for their log to move. */
    private final Set<TopicPartition> drainScheduled = new HashSet<>();
    private final Set<TopicPartition> listening = new HashSet<>();
    /**
     * The figures of the queues this broker serves, by name, as of the last upkeep round: written
     * by the queue thread, read by metrics scrapes on other threads, so an immutable map is
     * replaced rather than a shard read from there.
     */
    private volatile Map<String, QueueFigures> figures = Map.of();

    /**
     * @param metadataCaughtUp whether this broker's image may answer for queues and exchanges: until
     *     it does, unknown names and publishes get a retriable NOT_LEADER ({@link MetadataReadiness})
     */
    public QueueService(int brokerId, QueueBrokerSettings settings, PartitionRegistry registry, PartitionLookup lookup,
                        Supplier<MetadataImage> image, BooleanSupplier metadataCaughtUp, ControllerChannels controllers,
                        Clock clock, int maxInboundMessageBytes) {
        this.brokerId = brokerId;
        this.settings = settings;
        this.registry = registry;
        this.lookup = lookup;
        this.image = image;
        this.readiness = new MetadataReadiness(brokerId, metadataCaughtUp);
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-queues"));
        this.admin = Executors.newSingleThreadExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-queue-admin"));
        this.forwarder = new EnqueueForwarder(settings.commitTimeoutMs(), maxInboundMessageBytes);
        this.cache = new MessageCache(settings.messageCacheBytes());
        this.stores = new MessageStores(brokerId, image, readiness, forwarder, this);
        this.gets = new GetHandler(this, registry);
        this.adminCalls = new QueueAdminHandler(this, image, registry, controllers, admin);
        thread.scheduleWithFixedDelay(this::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    }

    /**
     * The figures of every queue this broker serves (leads, and has taken over), by queue name, as
     * of the last upkeep round (at most {@value #TICK_MS} ms old). A queue led elsewhere is absent,
     * so that summed over the brokers each queue counts once. Thread-safe.
     */
    public Map<String, QueueFigures> figures() {
        return figures;
    }

    /** A Publish stream. */
    public StreamObserver<PublishBatch> publish(StreamObserver<PublishConfirms> responses) {
        return new PublishStreamCall(image, readiness, stores, responses, this::onQueueThread);
    }

    /** A Consume stream. */
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> responses) {
        return new ConsumerStream(this, responses);
    }

    /** Messages for a queue this broker leads, forwarded by the broker that routed them. */
    public CompletableFuture<EnqueueResponse> enqueue(EnqueueRequest request) {
        return stores.enqueue(request);
    }

    /** Polls one message, acked before it is answered (basic.get with auto-ack). */
    public CompletableFuture<GetResponse> get(GetRequest request) {
        return gets.get(request);
    }

    /** Ready, unacked and consumers from the queue's leader. */
    public CompletableFuture<DescribeQueueResponse> describe(DescribeQueueRequest request) {
        return adminCalls.describe(request);
    }

    /** Drops the ready messages, on the queue's leader. */
    public CompletableFuture<PurgeQueueResponse> purge(PurgeQueueRequest request) {
        return adminCalls.purge(request);
    }

    /** Deletes a queue after checking if_unused / if_empty on its leader. */
    public CompletableFuture<DeleteQueueResponse> delete(DeleteQueueRequest request) {
        return adminCalls.delete(request);
    }

    // ----------------------------------------------------------------------------------------

    /** Runs {@code task} on the queue thread; dropped once the service is closed. */
    void onQueueThread(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    LOG.error("Broker {}: a queue task failed", brokerId, e);
                }
            });
        } catch (RejectedExecutionException e) {
            LOG.debug("Broker {} queue service is closed; a task was dropped", brokerId);
        }
    }

    /** On the queue thread: the shard serving {@code queue} here, brought up to date, or why none does. */
    Served serving(String queue) {
        Optional<QueueImage> queueImage = image.get().queue(queue);
        if (queueImage.isEmpty()) {
            return new Served(null, Optional.of(readiness.unknownQueue(queue)));
        }
        String topic = queueImage.get().topic();
        Partition partition;
        try {
            partition = lookup.leader(topic, 0);
        } catch (RuntimeException e) {
            return new Served(null, Optional.of(QueueErrors.withQueueName(queue, lookup.toError(e, topic, 0))));
        }
        QueueShard shard = shardFor(partition, queueImage.get());
        shard.sync(partition, clock.millis());
        listen(shard, partition);
        if (!shard.isServing()) {
            return new Served(null, Optional.of(QueueErrors.withQueueName(queue, lookup.toError(
                    new ReplicationException(ErrorCode.NOT_LEADER, "broker " + brokerId + " is taking over queue '"
                            + queue + "'"), topic, 0))));
        }
        return new Served(shard, Optional.empty());
    }

    /** Has the shard append what is pending and apply what is committed, soon, on the queue thread. */
    void wake(QueueShard shard) {
        wake(shard.topicPartition());
    }

    private void wake(TopicPartition tp) {
        if (drainScheduled.add(tp)) {
            onQueueThread(() -> {
                drainScheduled.remove(tp);
                drain(tp);
            });
        }
    }

    /** Brings the shard up to date and appends what is pending, now: on the queue thread. */
    void drain(TopicPartition tp) {
        QueueShard shard = shards.get(tp);
        Optional<Partition> partition = registry.partition(tp);
        if (shard == null || partition.isEmpty()) {
            return;
        }
        try {
            shard.follow(partition.get(), clock.millis());
        } catch (RuntimeException e) {
            LOG.debug("Broker {} could not bring queue '{}' up to date: {}", brokerId, shard.queue(), e.toString());
        }
        listen(shard, partition.get());
    }

    /** Drains the shard again when its partition changes (an append, a new high watermark). */
    private void listen(QueueShard shard, Partition partition) {
        TopicPartition tp = shard.topicPartition();
        if (listening.add(tp)) {
            // Drains at once rather than through wake(): a new high watermark is what confirms and
            // deliveries wait for, so it is worth one hop less; a drain already scheduled finds
            // little left to do.
            partition.onNextChange(() -> onQueueThread(() -> {
                listening.remove(tp);
                drain(tp);
            }));
            // A listener fires once: a high watermark that moved after the shard last read it and
            // before this one was added told nobody, and would wait for the partition's next change.
            if (shard.behind(partition.highWatermark())) {
                wake(shard);
            }
        }
    }

    private QueueShard shardFor(Partition partition, QueueImage queue) {
        return shards.computeIfAbsent(partition.topicPartition(), tp -> {
            QueueBrokerSettings own = Optional.ofNullable(queue.arguments().get("x-consumer-timeout"))
                    .map(Long::parseLong).map(settings::withConsumerTimeout).orElse(settings);
            // A dead letter's store completes on another thread: back on this one, drain the shard
            // so that its DeadLettered entry is appended without waiting for the upkeep round.
            Executor thenDrain = task -> onQueueThread(() -> {
                task.run();
                wake(tp);
            });
            DeadLetterPublisher deadLetters = new DeadLetterPublisher(queue.name(), queue.queueId(), image,
                    stores::store, thenDrain, clock::millis);
            return new QueueShard(tp, queue.name(), own, QueueSettings.fromArguments(queue.arguments()),
                    deadLetters, cache, this::onQueueThread, lookup);
        });
    }

    private void tick() {
        try {
            syncAll();
            long now = clock.millis();
            for (QueueShard shard : shards.values()) {
                if (!shard.isServing()) {
                    continue;
                }
                Optional<Partition> partition = registry.partition(shard.topicPartition());
                if (partition.isEmpty()) {
                    continue;
                }
                shard.maintain(partition.get(), now);
            }
            publishFigures();
        } catch (RuntimeException e) {
            LOG.error("Broker {} queue upkeep failed", brokerId, e);
        }
    }

    private void publishFigures() {
        Map<String, QueueFigures> serving = new HashMap<>();
        for (QueueShard shard : shards.values()) {
            if (shard.isServing()) {
                serving.put(shard.queue(), shard.figures());
            }
        }
        figures = Map.copyOf(serving);
    }

    /** Creates, follows and drops shards as queue logs come and go on this broker. */
    private void syncAll() {
        MetadataImage current = image.get();
        Set<TopicPartition> hosted = new HashSet<>();
        for (Partition partition : registry.partitions()) {
            Optional<String> queue = QueueNames.queueOf(partition.topicPartition().topic());
            if (queue.isEmpty()) {
                continue;
            }
            Optional<QueueImage> queueImage = current.queue(queue.get());
            if (queueImage.isEmpty()) {
                continue;
            }
            hosted.add(partition.topicPartition());
            QueueShard shard = shardFor(partition, queueImage.get());
            try {
                shard.follow(partition, clock.millis());
                listen(shard, partition);
            } catch (RuntimeException e) {
                LOG.debug("Broker {} could not bring queue '{}' up to date: {}", brokerId, queue.get(), e.toString());
            }
        }
        for (var it = shards.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!hosted.contains(entry.getKey())) {
                entry.getValue().close(PartitionLookup.error(ErrorCode.NOT_FOUND, "queue '" + entry.getValue().queue()
                        + "' was deleted or moved away from broker " + brokerId));
                it.remove();
                // A queue declared again under the same name gets a new partition to listen to.
                listening.remove(entry.getKey());
                drainScheduled.remove(entry.getKey());
            }
        }
    }

    @Override
    public void close() {
        if (!ServiceThreads.stop(Duration.ofSeconds(5), thread, admin)) {
            LOG.warn("Broker {} queue threads did not stop within 5 s", brokerId);
        }
        forwarder.close();
    }
}
