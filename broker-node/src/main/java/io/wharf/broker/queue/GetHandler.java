package io.wharf.broker.queue;

import io.wharf.broker.partition.Partition;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.proto.broker.Delivery;
import io.wharf.proto.broker.GetRequest;
import io.wharf.proto.broker.GetResponse;
import io.wharf.proto.common.Error;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import io.wharf.queue.QueueEffect;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Serves {@code Get} on the queue's leader (basic.get with auto-ack): a transient consumer with a
 * prefetch of one subscribes, and what it is delivered is acked, and the consumer gone, before the
 * answer goes back. Thread-safe: the work runs on the queue thread.
 */
final class GetHandler {

    private final QueueService service;
    private final PartitionRegistry registry;

    GetHandler(QueueService service, PartitionRegistry registry) {
        this.service = service;
        this.registry = registry;
    }

    /** Polls one message, acked before it is answered. */
    CompletableFuture<GetResponse> get(GetRequest request) {
        CompletableFuture<GetResponse> answer = new CompletableFuture<>();
        service.onQueueThread(() -> {
            QueueService.Served served = service.serving(request.getQueue());
            if (served.error().isPresent()) {
                answer.complete(GetResponse.newBuilder().setError(served.error().get()).build());
                return;
            }
            QueueShard shard = served.shard();
            QueueEntryAppender appender = shard.appender();
            String getter = AttachedConsumers.newConsumerId();
            appender.submit(QueueEntry.newBuilder().setSubscribe(Subscribe.newBuilder().setConsumerId(getter)
                    .setConsumerTag("basic.get").setPrefetch(1)).build(), new AnswerOnFailure<>(answer, e ->
                    GetResponse.newBuilder().setError(e).build()) {
                @Override
                public void applied(List<QueueEffect> effects) {
                    List<QueueEffect.Deliver> got = deliveriesTo(getter, effects);
                    Partition partition = registry.partition(shard.topicPartition()).orElse(null);
                    if (got.isEmpty() || partition == null) {
                        appender.submit(AttachedConsumers.goneEntry(getter, ConsumerGone.Reason.CANCELLED), null);
                        answer.complete(GetResponse.newBuilder().setError(PartitionLookup.none()).setEmpty(true)
                                .setMessageCount(shard.machine().readyCount()).build());
                        service.wake(shard);
                        return;
                    }
                    QueueEffect.Deliver delivered = got.get(0);
                    Delivery delivery = Delivery.newBuilder().setDeliveryTag(delivered.id())
                            .setRedelivered(delivered.redelivered()).setDeliveryCount(delivered.deliveryCount())
                            .setMessage(shard.bodies().message(partition.log(), delivered.location()))
                            .setQueue(request.getQueue()).build();
                    appender.submit(QueueEntry.newBuilder().setSettle(Settle.newBuilder().setConsumerId(getter)
                            .addMessageIds(delivered.id()).setOutcome(Settle.Outcome.ACK)).build(), null);
                    appender.submit(AttachedConsumers.goneEntry(getter, ConsumerGone.Reason.CANCELLED),
                            new AnswerOnFailure<>(answer, e -> GetResponse.newBuilder().setError(e).build()) {
                                @Override
                                public void applied(List<QueueEffect> settled) {
                                    answer.complete(GetResponse.newBuilder().setError(PartitionLookup.none())
                                            .setDelivery(delivery).setMessageCount(shard.machine().readyCount())
                                            .build());
                                }
                            });
                    service.wake(shard);
                }
            });
            service.wake(shard);
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
}
