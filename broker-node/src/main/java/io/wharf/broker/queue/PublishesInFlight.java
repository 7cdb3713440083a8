package io.wharf.broker.queue;

import io.wharf.broker.partition.PartitionLookup;
import io.wharf.proto.common.Error;
import io.wharf.proto.common.ErrorCode;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.queue.QueueEffect;
import io.wharf.queue.QueueSettings;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The publishes a queue's leader appends as Enqueue entries, and those not applied yet by
 * publisher and sequence, so that a publisher's retry waits for the first copy's outcome instead
 * of being appended again. A message larger than {@code queue.max.message.bytes} is refused
 * (RECORD_TOO_LARGE), and one the queue refused as full is nacked (QUEUE_FULL).
 *
 * <p>Leader-only state, confined to the queue thread; {@link #failAll} answers what waits when
 * the leadership goes.
 */
final class PublishesInFlight {

    private record PublishKey(String publisherId, long sequence) {
    }

    private final String queue;
    private final QueueBrokerSettings settings;
    private final QueueSettings machineSettings;
    private final QueueEntryAppender appender;
    private final Map<PublishKey, List<CompletableFuture<Error>>> publishing = new HashMap<>();

    PublishesInFlight(String queue, QueueBrokerSettings settings, QueueSettings machineSettings,
                      QueueEntryAppender appender) {
        this.queue = queue;
        this.settings = settings;
        this.machineSettings = machineSettings;
        this.appender = appender;
    }

    /**
     * Stores a message once: a publisher's retry of a sequence that is applied or on its way is
     * answered with that first copy's outcome.
     *
     * @return completes with NONE once the message is committed, or the error that stopped it
     */
    CompletableFuture<Error> enqueue(String publisherId, long sequence, Message message) {
        CompletableFuture<Error> result = new CompletableFuture<>();
        int size = message.getSerializedSize();
        if (size > settings.maxMessageBytes()) {
            result.complete(PartitionLookup.error(ErrorCode.RECORD_TOO_LARGE, "a message of " + size
                    + " bytes (body, headers and properties) is larger than queue.max.message.bytes="
                    + settings.maxMessageBytes() + "; send smaller messages"));
            return result;
        }
        boolean deduplicated = !publisherId.isEmpty();
        PublishKey key = new PublishKey(publisherId, sequence);
        if (deduplicated) {
            List<CompletableFuture<Error>> same = publishing.get(key);
            if (same != null) {
                same.add(result);
                return result;
            }
            publishing.put(key, new ArrayList<>(List.of(result)));
        }
        QueueEntry entry = QueueEntry.newBuilder().setEnqueue(Enqueue.newBuilder().setPublisherId(publisherId)
                .setSequence(sequence).setMessage(message)).build();
        appender.submit(entry, new QueueEntryAppender.Waiter() {
            @Override
            public void applied(List<QueueEffect> effects) {
                boolean rejected = effects.stream().anyMatch(QueueEffect.PublishRejected.class::isInstance);
                finish(rejected ? queueFull() : PartitionLookup.none());
            }

            @Override
            public void failed(Error error) {
                finish(error);
            }

            private void finish(Error outcome) {
                if (deduplicated) {
                    List<CompletableFuture<Error>> all = publishing.remove(key);
                    if (all != null) {
                        all.forEach(future -> future.complete(outcome));
                    }
                }
                result.complete(outcome);
            }
        });
        return result;
    }

    /** RabbitMQ nacks a publish to a full queue with x-overflow=reject-publish. */
    private Error queueFull() {
        List<String> limits = new ArrayList<>();
        machineSettings.limits().maxLength().ifPresent(max -> limits.add("x-max-length=" + max));
        machineSettings.limits().maxLengthBytes().ifPresent(max -> limits.add("x-max-length-bytes=" + max));
        return PartitionLookup.error(ErrorCode.QUEUE_FULL, "queue '" + queue + "' is full ("
                + String.join(" or ", limits)
                + ", x-overflow=reject-publish); the message was not stored. Publish again once consumers "
                + "have taken some");
    }

    /** The leadership is gone: every publish still waiting completes with {@code why}. */
    void failAll(Error why) {
        publishing.values().forEach(futures -> futures.forEach(future -> future.complete(why)));
        publishing.clear();
    }
}
