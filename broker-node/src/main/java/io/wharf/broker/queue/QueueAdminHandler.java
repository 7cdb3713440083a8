package io.wharf.broker.queue;

import io.wharf.broker.ControllerChannels;
import io.wharf.broker.ControllerUnavailableException;
import io.wharf.broker.partition.PartitionLookup;
import io.wharf.broker.partition.PartitionRegistry;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataViews;
import io.wharf.proto.broker.DeleteQueueRequest;
import io.wharf.proto.broker.DeleteQueueResponse;
import io.wharf.proto.broker.DescribeQueueRequest;
import io.wharf.proto.broker.DescribeQueueResponse;
import io.wharf.proto.broker.PurgeQueueRequest;
import io.wharf.proto.broker.PurgeQueueResponse;
import io.wharf.proto.broker.QueueConsumerInfo;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Purge;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.queue.ConsumerInfo;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueMachine;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Serves {@code DescribeQueue}, {@code PurgeQueue} and {@code DeleteQueue} from the queue's
 * leader: what it holds and who consumes it, dropping its ready messages, and deleting it through
 * the controllers once its leader found if-unused and if-empty hold. Thread-safe: the queue is
 * read on the queue thread, the controllers are called on {@code admin} since that call blocks.
 */
final class QueueAdminHandler {

    private final QueueService service;
    private final Supplier<MetadataImage> image;
    private final PartitionRegistry registry;
    private final ControllerChannels controllers;
    private final Executor admin;

    QueueAdminHandler(QueueService service, Supplier<MetadataImage> image, PartitionRegistry registry,
                      ControllerChannels controllers, Executor admin) {
        this.service = service;
        this.image = image;
        this.registry = registry;
        this.controllers = controllers;
        this.admin = admin;
    }

    /** Ready, unacked and consumers from the queue's leader. */
    CompletableFuture<DescribeQueueResponse> describe(DescribeQueueRequest request) {
        return onQueueThreadAnswer(() -> {
            QueueService.Served served = service.serving(request.getQueue());
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
    CompletableFuture<PurgeQueueResponse> purge(PurgeQueueRequest request) {
        CompletableFuture<PurgeQueueResponse> answer = new CompletableFuture<>();
        service.onQueueThread(() -> {
            QueueService.Served served = service.serving(request.getQueue());
            if (served.error().isPresent()) {
                answer.complete(PurgeQueueResponse.newBuilder().setError(served.error().get()).build());
                return;
            }
            purge(served.shard()).whenComplete((count, failure) -> answer.complete(failure == null
                    ? PurgeQueueResponse.newBuilder().setError(PartitionLookup.none()).setPurged(count).build()
                    : PurgeQueueResponse.newBuilder().setError(QueueErrors.of(failure)).build()));
            service.wake(served.shard());
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
    CompletableFuture<DeleteQueueResponse> delete(DeleteQueueRequest request) {
        CompletableFuture<DeleteQueueResponse> checked = onQueueThreadAnswer(() -> {
            QueueService.Served served = service.serving(request.getQueue());
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

    private <T> CompletableFuture<T> onQueueThreadAnswer(Supplier<T> task) {
        CompletableFuture<T> answer = new CompletableFuture<>();
        service.onQueueThread(() -> {
            try {
                answer.complete(task.get());
            } catch (RuntimeException e) {
                answer.completeExceptionally(e);
            }
        });
        return answer;
    }
}
