package io.wharf.broker.queue;

import io.grpc.stub.StreamObserver;
import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.broker.ServiceThreads;
import io.wharf.broker.TopicPartition;
import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.QueueImage;
import io.wharf.metadata.QueueNames;
import io.wharf.proto.broker.ConsumeRequest;
import io.wharf.proto.broker.ConsumeResponse;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DeleteQueueResponse;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.EnqueueItem;
import io.wharf.proto.broker.EnqueueRequest;
import io.wharf.proto.broker.EnqueueResponse;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.broker.PublishBatch;
import io.wharf.proto.broker.PublishConfirms;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.PurgeQueueResponse;
import io.wharf.proto.broker.QueueConsumerInfo;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.Purge;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.ConsumerInfo;
import io.wharf.queue.QueueMachine;
import io.wharf.queue.QueueSettings;
import io.wharf.replication.replica.ReplicationException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The broker's queues: routes publishes to the queues they match (stored here or forwarded to
 * each queue's leader), and runs every queue whose log this broker hosts as a {@link QueueShard},
 * leader or follower.
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
    private final ControllerChannels controllers;
    private final Clock clock;
    private final ScheduledExecutorService thread;
    private final ExecutorService admin;
    private final EnqueueForwarder forwarder;
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

    public QueueService(int brokerId, QueueBrokerSettings settings, PartitionRegistry registry, PartitionLookup lookup,
                        Supplier<MetadataImage> image, ControllerChannels controllers, Clock clock,
                        int maxInboundMessageBytes) {
        this.brokerId = brokerId;
        this.settings = settings;
        this.registry = registry;
        this.lookup = lookup;
        this.image = image;
        this.controllers = controllers;
        this.clock = clock;
        this.thread = Executors.newSingleThreadScheduledExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-queues"));
        this.admin = Executors.newSingleThreadExecutor(
                ServiceThreads.daemon("broker-" + brokerId + "-queue-admin"));
        this.forwarder = new EnqueueForwarder(settings.commitTimeoutMs(), maxInboundMessageBytes);
        this.cache = new MessageCache(settings.messageCacheBytes());
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

    /** A routed message for one queue: what a publish stores in each queue it matches. */
    record Store(String queue, String publisherId, long sequence, Message message) {
    }

    /** A Publish stream. */
    public StreamObserver<PublishBatch> publish(StreamObserver<PublishConfirms> responses) {
        return new PublishStreamCall(image, this, responses, this::onQueueThread);
    }

    /** A Consume stream. */
    public StreamObserver<ConsumeRequest> consume(StreamObserver<ConsumeResponse> responses) {
        return new ConsumerStream(this, responses);
    }

    /** Messages for a queue this broker leads, forwarded by the broker that routed them. */
    public CompletableFuture<EnqueueResponse> enqueue(EnqueueRequest request) {
        List<Store> stores = new ArrayList<>(request.getItemsCount());
        for (EnqueueItem item : request.getItemsList()) {
            stores.add(new Store(request.getQueue(), request.getPublisherId(), item.getSequence(), item.getMessage()));
        }
        List<CompletableFuture<Error>> stored = storeHere(stores);
        return CompletableFuture.allOf(stored.toArray(CompletableFuture[]::new)).thenApply(done -> {
            EnqueueResponse.Builder response = EnqueueResponse.newBuilder();
            stored.forEach(each -> response.addResults(each.join()));
            return response.build();
        });
    }

    /**
     * Stores routed messages, each in its queue: here when this broker leads it, else through its
     * leader. Each future completes with NONE once that message is committed, or with why not.
     */
    List<CompletableFuture<Error>> store(List<Store> stores) {
        MetadataImage current = image.get();
        List<CompletableFuture<Error>> results = new ArrayList<>(stores.size());
        List<Store> here = new ArrayList<>();
        List<Integer> hereAt = new ArrayList<>();
        for (Store store : stores) {
            Optional<QueueImage> target = current.queue(store.queue());
            int leader = target.flatMap(q -> current.topic(q.topic())).flatMap(t -> t.partition(0))
                    .map(PartitionState::leader).orElse(PartitionState.NO_LEADER);
            if (target.isEmpty()) {
                results.add(CompletableFuture.completedFuture(notFound(store.queue())));
            } else if (leader == brokerId) {
                hereAt.add(results.size());
                here.add(store);
                results.add(null);
            } else {
                Optional<BrokerRegistration> broker = leader == PartitionState.NO_LEADER ? Optional.empty()
                        : current.broker(leader);
                results.add(broker.isEmpty()
                        ? CompletableFuture.completedFuture(PartitionLookup.error(ErrorCode.NOT_LEADER, "queue '"
                                + store.queue() + "' has no leader right now; retry shortly"))
                        : forwarder.forward(broker.get().endpoint(), store.queue(), store.publisherId(),
                                store.sequence(), store.message()));
            }
        }
        List<CompletableFuture<Error>> storedHere = storeHere(here);
        for (int i = 0; i < hereAt.size(); i++) {
            results.set(hereAt.get(i), storedHere.get(i));
        }
        return results;
    }

    /** Stores messages in queues this broker leads, in one turn of the queue thread. */
    private List<CompletableFuture<Error>> storeHere(List<Store> stores) {
        List<CompletableFuture<Error>> results = new ArrayList<>(stores.size());
        stores.forEach(store -> results.add(new CompletableFuture<>()));
        if (stores.isEmpty()) {
            return results;
        }
        onQueueThread(() -> {
            Map<String, Served> served = new HashMap<>();
            for (int i = 0; i < stores.size(); i++) {
                Store store = stores.get(i);
                CompletableFuture<Error> result = results.get(i);
                Served target = served.computeIfAbsent(store.queue(), this::serving);
                if (target.error().isPresent()) {
                    result.complete(target.error().get());
                    continue;
                }
                target.shard().publishes().enqueue(store.publisherId(), store.sequence(), store.message())
                        .whenComplete((error, failure) -> result.complete(error != null ? error : internal(failure)));
            }
            // Appended in this turn rather than by a drain queued behind whatever waits for the
            // queue thread: a publish batch is already a batch, and acks pending meanwhile go with it.
            served.values().stream().filter(s -> s.error().isEmpty()).forEach(s -> drain(s.shard().topicPartition()));
        });
        return results;
    }

    /** Polls one message, acked before it is answered (basic.get with auto-ack). */
    public CompletableFuture<GetResponse> get(GetRequest request) {
        CompletableFuture<GetResponse> answer = new CompletableFuture<>();
        onQueueThread(() -> {
            Served served = serving(request.getQueue());
            if (served.error().isPresent()) {
                answer.complete(GetResponse.newBuilder().setError(served.error().get()).build());
                return;
            }
            QueueShard shard = served.shard();
            String getter = AttachedConsumers.newConsumerId();
            shard.appender().submit(QueueEntry.newBuilder().setSubscribe(Subscribe.newBuilder().setConsumerId(getter)
                    .setConsumerTag("basic.get").setPrefetch(1)).build(), new AnswerOnFailure<>(answer, e ->
                    GetResponse.newBuilder().setError(e).build()) {
                @Override
                public void applied(List<QueueEffect> effects) {
                    List<QueueEffect.Deliver> got = deliveriesTo(getter, effects);
                    Partition partition = registry.partition(shard.topicPartition()).orElse(null);
                    if (got.isEmpty() || partition == null) {
                        shard.appender().submit(AttachedConsumers.goneEntry(getter, ConsumerGone.Reason.CANCELLED), null);
                        answer.complete(GetResponse.newBuilder().setError(PartitionLookup.none()).setEmpty(true)
                                .setMessageCount(shard.machine().readyCount()).build());
                        wake(shard);
                        return;
                    }
                    QueueEffect.Deliver delivered = got.get(0);
                    Delivery delivery = Delivery.newBuilder().setDeliveryTag(delivered.id())
                            .setRedelivered(delivered.redelivered()).setDeliveryCount(delivered.deliveryCount())
                            .setMessage(shard.bodies().message(partition.log(), delivered.location()))
                            .setQueue(request.getQueue()).build();
                    shard.appender().submit(QueueEntry.newBuilder().setSettle(Settle.newBuilder().setConsumerId(getter)
                            .addMessageIds(delivered.id()).setOutcome(Settle.Outcome.ACK)).build(), null);
                    shard.appender().submit(AttachedConsumers.goneEntry(getter, ConsumerGone.Reason.CANCELLED), new AnswerOnFailure<>(answer,
                            e -> GetResponse.newBuilder().setError(e).build()) {
                        @Override
                        public void applied(List<QueueEffect> settled) {
                            answer.complete(GetResponse.newBuilder().setError(PartitionLookup.none())
                                    .setDelivery(delivery).setMessageCount(shard.machine().readyCount()).build());
                        }
                    });
                    wake(shard);
                }
            });
            wake(shard);
        });
        return answer;
    }

    /** Deliveries in {@code effects} to {@code consumerId}, in order. */
    private static List<QueueEffect.Deliver> deliveriesTo(String consumerId, List<QueueEffect> effects) {
        List<QueueEffect.Deliver> out = new ArrayList<>();
        for (QueueEffect effect : effects) {
            if (effect instanceof QueueEffect.Deliver d && d.consumerId().equals(consumerId)) {
                out.add(d);
            }
        }
        return out;
    }

    /** A waiter that answers {@code answer} with the error response when its entry fails. */
    private abstract static class AnswerOnFailure<T> implements QueueEntryAppender.Waiter {
        private final CompletableFuture<T> answer;
        private final Function<Error, T> onError;

        AnswerOnFailure(CompletableFuture<T> answer, Function<Error, T> onError) {
            this.answer = answer;
            this.onError = onError;
        }

        @Override
        public void failed(Error error) {
            answer.complete(onError.apply(error));
        }
    }

    /** Ready, unacked and consumers from the queue's leader. */
    public CompletableFuture<DescribeQueueResponse> describe(DescribeQueueRequest request) {
        return onQueueThreadAnswer(() -> {
            Served served = serving(request.getQueue());
            if (served.error().isPresent()) {
                return DescribeQueueResponse.newBuilder().setError(served.error().get()).build();
            }
            QueueShard shard = served.shard();
            QueueMachine machine = shard.machine();
            MetadataImage current = image.get();
            DescribeQueueResponse.Builder response = DescribeQueueResponse.newBuilder().setError(PartitionLookup.none())
                    .setQueue(MetadataViews.toQueueInfo(current.queue(request.getQueue()).orElseThrow(), current))
                    .setReady(machine.readyCount()).setUnacked(machine.unackedCount())
                    .setReadyBytes(machine.readyBytes()).setRedeliveries(shard.consumers().redeliveries())
                    .setDeadLettering(machine.deadLetteringCount()).setDeadLettersDropped(shard.deadLettersDropped());
            shard.discarded().forEach((reason, count) -> response.putDiscarded(reason.text(), count));
            for (ConsumerInfo consumer : machine.consumers()) {
                response.addConsumers(QueueConsumerInfo.newBuilder().setConsumerTag(consumer.consumerTag())
                        .setPrefetch(consumer.prefetch()).setUnacked(consumer.held()).setActive(consumer.active())
                        .setNoAck(consumer.noAck()).setExclusive(consumer.exclusive()));
            }
            registry.partition(shard.topicPartition()).ifPresent(partition -> response
                    .setLogStartOffset(partition.log().logStartOffset())
                    .setLogEndOffset(partition.log().logEndOffset()));
            return response.build();
        });
    }

    /** Drops the ready messages, on the queue's leader. */
    public CompletableFuture<PurgeQueueResponse> purge(PurgeQueueRequest request) {
        CompletableFuture<PurgeQueueResponse> answer = new CompletableFuture<>();
        onQueueThread(() -> {
            Served served = serving(request.getQueue());
            if (served.error().isPresent()) {
                answer.complete(PurgeQueueResponse.newBuilder().setError(served.error().get()).build());
                return;
            }
            purge(served.shard()).whenComplete((count, failure) -> answer.complete(failure == null
                    ? PurgeQueueResponse.newBuilder().setError(PartitionLookup.none()).setPurged(count).build()
                    : PurgeQueueResponse.newBuilder().setError(errorOf(failure)).build()));
            wake(served.shard());
        });
        return answer;
    }

    /** Appends a Purge to {@code shard}; completes with how many ready messages it dropped. */
    private static CompletableFuture<Long> purge(QueueShard shard) {
        CompletableFuture<Long> purged = new CompletableFuture<>();
        shard.appender().submit(QueueEntry.newBuilder().setPurge(Purge.getDefaultInstance()).build(),
                new QueueEntryAppender.Waiter() {
                    @Override
                    public void applied(List<QueueEffect> effects) {
                        purged.complete(effects.stream().filter(QueueEffect.Purged.class::isInstance)
                                .mapToLong(e -> ((QueueEffect.Purged) e).count()).sum());
                    }

                    @Override
                    public void failed(Error error) {
                        purged.completeExceptionally(new QueueRequestException(error));
                    }
                });
        return purged;
    }

    /** Deletes a queue after checking if_unused / if_empty on its leader. */
    public CompletableFuture<DeleteQueueResponse> delete(DeleteQueueRequest request) {
        CompletableFuture<DeleteQueueResponse> checked = onQueueThreadAnswer(() -> {
            Served served = serving(request.getQueue());
            if (served.error().isPresent()) {
                return DeleteQueueResponse.newBuilder().setError(served.error().get()).build();
            }
            QueueMachine machine = served.shard().machine();
            long messages = machine.readyCount() + machine.unackedCount();
            if (request.getIfUnused() && !machine.consumers().isEmpty()) {
                return DeleteQueueResponse.newBuilder().setError(PartitionLookup.error(ErrorCode.PRECONDITION_FAILED,
                        "queue '" + request.getQueue() + "' has " + machine.consumers().size()
                                + " consumer(s); it is not deleted with if-unused")).build();
            }
            if (request.getIfEmpty() && messages > 0) {
                return DeleteQueueResponse.newBuilder().setError(PartitionLookup.error(ErrorCode.PRECONDITION_FAILED,
                        "queue '" + request.getQueue() + "' holds " + messages
                                + " message(s); it is not deleted with if-empty")).build();
            }
            return DeleteQueueResponse.newBuilder().setError(PartitionLookup.none()).setMessageCount(messages).build();
        });
        return checked.thenComposeAsync(answer -> {
            if (answer.getError().getCode() != ErrorCode.NONE) {
                return CompletableFuture.completedFuture(answer);
            }
            try {
                var deleted = controllers.call(ControllerChannels.Target.ANY, stub -> stub.deleteQueue(
                        io.wharf.proto.controller.DeleteQueueRequest.newBuilder().setName(request.getQueue()).build()),
                        io.wharf.proto.controller.DeleteQueueResponse::getError);
                return CompletableFuture.completedFuture(deleted.getError().getCode() == ErrorCode.NONE ? answer
                        : answer.toBuilder().setError(deleted.getError()).build());
            } catch (ControllerUnavailableException e) {
                return CompletableFuture.completedFuture(answer.toBuilder().setError(PartitionLookup.error(
                        ErrorCode.CONTROLLER_UNAVAILABLE, "could not reach the controllers to delete queue '"
                                + request.getQueue() + "': " + e.getMessage())).build());
            }
        }, admin);
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

    private <T> CompletableFuture<T> onQueueThreadAnswer(Supplier<T> task) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        onQueueThread(() -> {
            try {
                answer.complete(task.get());
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }

    /** On the queue thread: the shard serving {@code queue} here, brought up to date, or why none does. */
    Served serving(String queue) {
        Optional<QueueImage> queueImage = image.get().queue(queue);
        if (queueImage.isEmpty()) {
            return new Served(null, Optional.of(notFound(queue)));
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

    private void drain(TopicPartition tp) {
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
                    this::store, thenDrain, clock::millis);
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

    private static Error notFound(String queue) {
        return PartitionLookup.error(ErrorCode.NOT_FOUND, "no queue '" + queue + "'; declare it first "
                + "(wharf queues declare)");
    }

    private static Error internal(Throwable failure) {
        return PartitionLookup.error(ErrorCode.UNKNOWN_SERVER_ERROR, "storing failed: " + failure);
    }

    private static Error errorOf(Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                ? failure.getCause() : failure;
        return cause instanceof QueueRequestException q ? q.error() : internal(cause);
    }

    @Override
    public void close() {
        if (!ServiceThreads.stop(Duration.ofSeconds(5), thread, admin)) {
            LOG.warn("Broker {} queue threads did not stop within 5 s", brokerId);
        }
        forwarder.close();
    }
}
