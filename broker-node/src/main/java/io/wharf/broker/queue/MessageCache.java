package io.wharf.broker.queue;

import io.wharf.proto.queue.Message;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The messages a queue leader appended recently, by log offset, so that delivering them does not
 * read the log back: most messages are delivered within moments of being stored. Bounded in bytes;
 * the oldest go first, and a miss reads the log. Confined to the queue thread.
 */
final class MessageCache {

    private final long maxBytes;
    private final Map<Long, Message> byLocation = new LinkedHashMap<>();
    private long bytes;

    MessageCache(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    void put(long location, Message message) {
        Message previous = byLocation.put(location, message);
        if (previous != null) {
            bytes -= previous.getSerializedSize();
        }
        bytes += message.getSerializedSize();
        Iterator<Map.Entry<Long, Message>> oldest = byLocation.entrySet().iterator();
        while (bytes > maxBytes && oldest.hasNext()) {
            bytes -= oldest.next().getValue().getSerializedSize();
            oldest.remove();
        }
    }

    Optional<Message> get(long location) {
        return Optional.ofNullable(byLocation.get(location));
    }

    /** The message at {@code location} will not be delivered again (settled or purged). */
    void remove(long location) {
        Message removed = byLocation.remove(location);
        if (removed != null) {
            bytes -= removed.getSerializedSize();
        }
    }

    void clear() {
        byLocation.clear();
        bytes = 0;
    }
}
