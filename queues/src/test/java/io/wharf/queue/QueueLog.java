package io.wharf.queue;

import com.google.protobuf.ByteString;
import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.ConsumerGone;
import io.wharf.proto.queue.DeadLettered;
import io.wharf.proto.queue.Enqueue;
import io.wharf.proto.queue.Expire;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.MessageProperties;
import io.wharf.proto.queue.Move;
import io.wharf.proto.queue.Purge;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.proto.queue.Settle;
import io.wharf.proto.queue.Subscribe;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A queue log in memory: appends entries at the next offset and applies them to a machine. */
final class QueueLog {
    final QueueMachine machine;
    final List<LoggedQueueEntry> entries = new ArrayList<>();
    /** The effects of each entry, by position in {@link #entries}. */
    final List<List<QueueEffect>> effects = new ArrayList<>();
    long nowMs = 1_000;

    QueueLog(QueueSettings settings) {
        this.machine = new QueueMachine(settings);
    }

    QueueLog() {
        this(QueueSettings.defaults(false));
    }

    List<QueueEffect> append(QueueEntry entry) {
        long offset = entries.size();
        entries.add(new LoggedQueueEntry(offset, nowMs, entry));
        List<QueueEffect> applied = machine.apply(offset, nowMs, entry);
        effects.add(applied);
        return applied;
    }

    /** Appends an Enqueue without a publisher id; returns the message id. */
    long publish(String body) {
        long id = entries.size();
        append(enqueue("", 0, body));
        return id;
    }

    /** Appends an Enqueue without a publisher id whose message has a per-message expiration; returns its id. */
    long publish(String body, String expiration) {
        long id = entries.size();
        append(enqueue("", 0, body, expiration));
        return id;
    }

    /** Appends the machine's own checkpoint. */
    List<QueueEffect> checkpoint() {
        return append(QueueEntry.newBuilder().setCheckpoint(machine.checkpoint()).build());
    }

    static QueueEntry enqueue(String publisherId, long sequence, String body) {
        return enqueue(publisherId, sequence, body, "");
    }

    /** An Enqueue whose message has the per-message {@code expiration} ("" for none). */
    static QueueEntry enqueue(String publisherId, long sequence, String body, String expiration) {
        Message.Builder message = Message.newBuilder().setRoutingKey("rk").setBody(ByteString.copyFromUtf8(body));
        if (!expiration.isEmpty()) {
            message.setProperties(MessageProperties.newBuilder().setExpiration(expiration));
        }
        return QueueEntry.newBuilder().setEnqueue(Enqueue.newBuilder().setPublisherId(publisherId).setSequence(sequence)
                .setMessage(message)).build();
    }

    static Subscribe.Builder consumer(String id, int prefetch) {
        return Subscribe.newBuilder().setConsumerId(id).setConsumerTag("tag-" + id).setPrefetch(prefetch);
    }

    static QueueEntry subscribe(Subscribe.Builder subscribe) {
        return QueueEntry.newBuilder().setSubscribe(subscribe).build();
    }

    static QueueEntry subscribe(String id, int prefetch) {
        return subscribe(consumer(id, prefetch));
    }

    static QueueEntry settle(String consumerId, Settle.Outcome outcome, Long... ids) {
        return QueueEntry.newBuilder().setSettle(Settle.newBuilder().setConsumerId(consumerId).setOutcome(outcome)
                .addAllMessageIds(Arrays.asList(ids))).build();
    }

    static QueueEntry gone(String consumerId, ConsumerGone.Reason reason) {
        return QueueEntry.newBuilder().setConsumerGone(ConsumerGone.newBuilder().setConsumerId(consumerId)
                .setReason(reason)).build();
    }

    static QueueEntry purge() {
        return QueueEntry.newBuilder().setPurge(Purge.getDefaultInstance()).build();
    }

    static QueueEntry checkpoint(Checkpoint checkpoint) {
        return QueueEntry.newBuilder().setCheckpoint(checkpoint).build();
    }

    static QueueEntry move(long id, String body) {
        return QueueEntry.newBuilder().setMove(Move.newBuilder().setId(id)
                .setMessage(Message.newBuilder().setBody(ByteString.copyFromUtf8(body)))).build();
    }

    static QueueEntry expire() {
        return QueueEntry.newBuilder().setExpire(Expire.getDefaultInstance()).build();
    }

    static QueueEntry deadLettered(Long... ids) {
        return QueueEntry.newBuilder().setDeadLettered(DeadLettered.newBuilder().addAllMessageIds(Arrays.asList(ids)))
                .build();
    }

    /** The effects of one kind, in order. */
    static <T extends QueueEffect> List<T> only(Class<T> kind, List<QueueEffect> effects) {
        List<T> found = new ArrayList<>();
        for (QueueEffect effect : effects) {
            if (kind.isInstance(effect)) {
                found.add(kind.cast(effect));
            }
        }
        return found;
    }

    static List<QueueEffect.Deliver> deliveries(List<QueueEffect> effects) {
        List<QueueEffect.Deliver> deliveries = new ArrayList<>();
        for (QueueEffect effect : effects) {
            if (effect instanceof QueueEffect.Deliver deliver) {
                deliveries.add(deliver);
            }
        }
        return deliveries;
    }
}
