package io.wharf.queue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.IdRange;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The live messages of a queue with the orders the machine needs: ready ones by id (a requeued
 * message goes back ahead of newer ones), dying ones by id (what a new leader dead-letters again)
 * and all by location (what pins the log start). Mutable; owned by one {@link QueueMachine}.
 */
final class Messages {
    private final TreeMap<Long, StoredMessage> byId = new TreeMap<>();
    private final TreeSet<Long> ready = new TreeSet<>();
    private final TreeSet<Long> dying = new TreeSet<>();
    private final TreeMap<Long, Long> idByLocation = new TreeMap<>();
    private long readyBytes;
    private long dyingBytes;
    private final Map<String, Integer> deadLetters = new HashMap<>();

    /** The messages of a checkpoint (holders as written; the caller reconciles them with consumers). */
    static Messages restore(Checkpoint checkpoint) {
        Messages messages = new Messages();
        int index = 0;
        for (IdRange range : checkpoint.getPlainList()) {
            for (long id = range.getFirst(); id <= range.getLast(); id++) {
                int size = index < checkpoint.getPlainSizesCount() ? checkpoint.getPlainSizes(index) : 0;
                long expiresAtMs = index < checkpoint.getPlainExpiriesCount() ? checkpoint.getPlainExpiries(index) : 0;
                long enqueuedAtMs = index < checkpoint.getPlainEnqueuedAtMsCount()
                        ? checkpoint.getPlainEnqueuedAtMs(index) : 0;
                index++;
                messages.put(StoredMessage.enqueued(id, size, expiresAtMs, enqueuedAtMs, ""));
            }
        }
        checkpoint.getMessagesList().forEach(state -> messages.put(StoredMessage.of(state)));
        return messages;
    }

    /** Writes every message: plain ones as id ranges with their sizes and expiries, the others whole. */
    void writeTo(Checkpoint.Builder checkpoint) {
        long first = -1;
        long last = -1;
        List<Long> expiries = new ArrayList<>();
        boolean anyExpires = false;
        for (StoredMessage message : byId.values()) {
            if (!message.isPlain()) {
                checkpoint.addMessages(message.toState());
                continue;
            }
            checkpoint.addPlainSizes(message.size());
            checkpoint.addPlainEnqueuedAtMs(message.enqueuedAtMs());
            expiries.add(message.expiresAtMs());
            anyExpires |= message.expiresAtMs() != 0;
            if (first >= 0 && message.id() == last + 1) {
                last = message.id();
            } else {
                if (first >= 0) {
                    checkpoint.addPlain(IdRange.newBuilder().setFirst(first).setLast(last));
                }
                first = message.id();
                last = message.id();
            }
        }
        if (first >= 0) {
            checkpoint.addPlain(IdRange.newBuilder().setFirst(first).setLast(last));
        }
        // Queues without a TTL write no expiries at all.
        if (anyExpires) {
            checkpoint.addAllPlainExpiries(expiries);
        }
    }

    /** Adds or replaces the message with this id. */
    void put(StoredMessage message) {
        remove(message.id());
        byId.put(message.id(), message);
        idByLocation.put(message.location(), message.id());
        if (!message.arrivalReason().isEmpty()) {
            deadLetters.merge(message.arrivalReason(), 1, Integer::sum);
        }
        if (message.isReady()) {
            ready.add(message.id());
            readyBytes += message.size();
        } else if (message.isDying()) {
            dying.add(message.id());
            dyingBytes += message.size();
        }
    }

    /** The message, or null when it is not live. */
    StoredMessage get(long id) {
        return byId.get(id);
    }

    /** Removes the message; returns it, or null when it was not live. */
    StoredMessage remove(long id) {
        StoredMessage message = byId.remove(id);
        if (message != null) {
            idByLocation.remove(message.location());
            if (!message.arrivalReason().isEmpty()) {
                deadLetters.merge(message.arrivalReason(), -1, (count, minusOne) -> count == 1 ? null : count - 1);
            }
            if (ready.remove(id)) {
                readyBytes -= message.size();
            }
            if (dying.remove(id)) {
                dyingBytes -= message.size();
            }
        }
        return message;
    }

    /** The ready message with the smallest id, or null when none is ready. */
    StoredMessage firstReady() {
        return ready.isEmpty() ? null : byId.get(ready.first());
    }

    /** Removes every ready message; returns how many. */
    int removeReady() {
        int count = ready.size();
        for (long id : new ArrayList<>(ready)) {
            remove(id);
        }
        return count;
    }

    int liveCount() {
        return byId.size();
    }

    int readyCount() {
        return ready.size();
    }

    long readyBytes() {
        return readyBytes;
    }

    int dyingCount() {
        return dying.size();
    }

    long dyingBytes() {
        return dyingBytes;
    }

    /** The dying messages, by id. */
    List<StoredMessage> dying() {
        List<StoredMessage> messages = new ArrayList<>();
        dying.forEach(id -> messages.add(byId.get(id)));
        return messages;
    }

    /** Live messages that came as dead letters, by the reason of their latest death; absent reasons have none. */
    Map<String, Integer> deadLettersByReason() {
        return Map.copyOf(deadLetters);
    }

    /**
     * When the live message stored first (the smallest id) was stored, or 0 when there is none or
     * that is unknown. Ids are offsets, so this is the oldest message as long as the leaders'
     * clocks agree.
     */
    long firstEnqueuedAtMs() {
        return byId.isEmpty() ? 0 : byId.firstEntry().getValue().enqueuedAtMs();
    }

    /** The smallest location of any live message, or {@code whenNone}. */
    long oldestLocation(long whenNone) {
        return idByLocation.isEmpty() ? whenNone : idByLocation.firstKey();
    }

    /** Ids of live messages located below {@code belowOffset}, by location, at most {@code maxCount}. */
    List<Long> locatedBelow(long belowOffset, int maxCount) {
        List<Long> ids = new ArrayList<>();
        for (long id : idByLocation.headMap(belowOffset, false).values()) {
            if (ids.size() >= maxCount) {
                break;
            }
            ids.add(id);
        }
        return ids;
    }

    /** Every live message, by id (a copy: the caller may change messages while going through it). */
    List<StoredMessage> all() {
        return new ArrayList<>(byId.values());
    }
}
