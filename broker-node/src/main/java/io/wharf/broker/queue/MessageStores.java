package io.wharf.broker.queue;

import io.wharf.broker.partition.PartitionLookup;
import io.wharf.metadata.BrokerRegistration;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.PartitionState;
import io.wharf.metadata.QueueImage;
import io.wharf.proto.broker.EnqueueItem;
import io.wharf.proto.broker.EnqueueRequest;
import io.wharf.proto.broker.EnqueueResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Message;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Stores routed messages, each in its queue: those for queues this broker leads in one turn of
 * the queue thread, which appends them in that turn; the others through their leader's Enqueue
 * ({@link EnqueueForwarder}). Publish streams, forwarded Enqueue calls and dead letters all store
 * through it. Thread-safe: what touches a shard runs on the queue thread.
 */
final class MessageStores {

    /** A routed message for one queue: what a publish stores in each queue it matches. */
    record Store(String queue, String publisherId, long sequence, Message message) {
    }

    private final int brokerId;
    private final Supplier<MetadataImage> image;
    private final MetadataReadiness readiness;
    private final EnqueueForwarder forwarder;
    private final QueueService service;

    MessageStores(int brokerId, Supplier<MetadataImage> image, MetadataReadiness readiness, EnqueueForwarder forwarder,
                  QueueService service) {
        this.brokerId = brokerId;
        this.image = image;
        this.readiness = readiness;
        this.forwarder = forwarder;
        this.service = service;
    }

    /** Messages for a queue this broker leads, forwarded by the broker that routed them. */
    CompletableFuture<EnqueueResponse> enqueue(EnqueueRequest request) {
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
                results.add(CompletableFuture.completedFuture(readiness.unknownQueue(store.queue())));
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
        service.onQueueThread(() -> {
            Map<String, QueueService.Served> served = new HashMap<>();
            for (int i = 0; i < stores.size(); i++) {
                Store store = stores.get(i);
                CompletableFuture<Error> result = results.get(i);
                QueueService.Served target = served.computeIfAbsent(store.queue(), service::serving);
                if (target.error().isPresent()) {
                    result.complete(target.error().get());
                    continue;
                }
                target.shard().publishes().enqueue(store.publisherId(), store.sequence(), store.message())
                        .whenComplete((error, failure) -> result.complete(error != null ? error
                                : QueueErrors.storingFailed(failure)));
            }
            // Appended in this turn rather than by a drain queued behind whatever waits for the
            // queue thread: a publish batch is already a batch, and acks pending meanwhile go with it.
            served.values().stream().filter(s -> s.error().isEmpty())
                    .forEach(s -> service.drain(s.shard().topicPartition()));
        });
        return results;
    }
}
