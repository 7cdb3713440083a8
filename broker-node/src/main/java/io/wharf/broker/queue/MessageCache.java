package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.queue.Message;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The messages this broker stored recently as the leader of its queues, by queue log and offset,
 * so that delivering them does not read the log back: most messages are delivered within moments
 * of being stored. One per broker, bounded in bytes; the oldest go first, and a miss reads the
 * log. Confined to the queue thread.
 */
final class MessageCache {

    private record Key(TopicPartition queueLog, long location) {
    }

    private final long maxBytes;
    private final Map<Key, Message> messages = new LinkedHashMap<>();
    private long bytes;

    MessageCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    void put(TopicPartition queueLog, long location, Message message) {
        Message previous = messages.put(new Key(queueLog, location), message);
        if (previous != null) {
            bytes -= previous.getSerializedSize();
        }
        bytes += message.getSerializedSize();
        Iterator<Map.Entry<Key, Message>> oldest = messages.entrySet().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            bytes -= oldest.next().getValue().getSerializedSize();
            oldest.remove();
        }
    }

    Optional<Message> get(TopicPartition queueLog, long location) {
        return Optional.ofNullable(messages.get(new Key(queueLog, location)));
    }

    /** The message at {@code location} will not be delivered again (settled or purged). */
    void remove(TopicPartition queueLog, long location) {
        Message removed = messages.remove(new Key(queueLog, location));
        if (removed != null) {
            bytes -= removed.getSerializedSize();
        }
    }

    /** Drops every message of one queue log (its leadership went, or it was purged). */
    void removeAll(TopicPartition queueLog) {
        for (Iterator<Map.Entry<Key, Message>> it = messages.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Key, Message> entry = it.next();
            if (entry.getKey().queueLog().equals(queueLog)) {
                bytes -= entry.getValue().getSerializedSize();
                it.remove();
            }
        }
    }
}
