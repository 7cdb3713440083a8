package io.wharf.broker.queue;

import io.wharf.broker.TopicPartition;
import io.wharf.proto.queue.Message;
import io.wharf.proto.queue.QueueEntry;
import io.wharf.queue.LoggedQueueEntry;
import io.wharf.queue.QueueEntryBatches;
import io.wharf.replication.log.Log;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The bodies of one queue's live messages, which its machine knows only by location: from the
 * broker's {@link MessageCache}, else read back from the applied part of the queue's log (and
 * cached). Confined to the queue thread.
 */
final class MessageBodies {

    private final TopicPartition topicPartition;
    private final String queue;
    private final MessageCache cache;
    private final QueueLogApplier applied;

    MessageBodies(TopicPartition topicPartition, String queue, MessageCache cache, QueueLogApplier applied) {
        this.topicPartition = topicPartition;
        this.queue = queue;
        this.cache = cache;
        this.applied = applied;
    }

    /** The message stored at {@code location}, from the cache or else the log. */
    Message message(Log log, long location) {
        Optional<Message> cached = cache.get(topicPartition, location);
        if (cached.isPresent()) {
            return cached.get();
        }
        // A miss reads a whole chunk of the log (after a failover the cache is empty and the next
        // deliveries are mostly nearby): keep every live message in it, not just this one.
        Message found = null;
        long nextOffset = applied.nextOffset();
        ByteBuffer read = log.readCopy(location, QueueLogApplier.READ_BYTES, nextOffset);
        for (LoggedQueueEntry item : QueueEntryBatches.decode(read, location, nextOffset)) {
            QueueEntry entry = item.entry();
            long id = entry.hasEnqueue() ? item.offset() : entry.hasMove() ? entry.getMove().getId() : -1;
            if (id < 0 || applied.machine().location(id).orElse(-1) != item.offset()) {
                continue;  // not a message, or settled, or moved elsewhere since
            }
            Message message = entry.hasEnqueue() ? entry.getEnqueue().getMessage() : entry.getMove().getMessage();
            cache.put(topicPartition, item.offset(), message);
            if (item.offset() == location) {
                found = message;
            }
        }
        if (found == null) {
            throw new IllegalStateException("queue '" + queue + "' has no live message at offset " + location);
        }
        return found;
    }
}
