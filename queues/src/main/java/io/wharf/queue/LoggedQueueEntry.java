package io.wharf.queue;

import io.wharf.proto.queue.QueueEntry;

/**
 * A queue log entry as read back: where it is and when it was written. Immutable.
 *
 * @param offset       its offset in the queue's partition
 * @param timestampMs  the record's timestamp
 * @param entry        the record's value
 */
public record LoggedQueueEntry(long offset, long timestampMs, QueueEntry entry) {
}
