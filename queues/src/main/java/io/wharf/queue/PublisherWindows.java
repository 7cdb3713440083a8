package io.wharf.queue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.IdRange;
import io.wharf.proto.queue.PublisherWindow;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The recent publish sequences of each publisher, to turn a publisher's retry into a no-op. Keeps
 * the last {@code window} sequences of at most {@code maxPublishers} publishers, forgetting the
 * least recently seen publisher first. Mutable; owned by one {@link QueueMachine}.
 */
final class PublisherWindows {
    private final int window;
    private final int maxPublishers;
    /** Least recently seen first: the order decides eviction, so a checkpoint keeps it. */
    private final LinkedHashMap<String, Window> publishers = new LinkedHashMap<>(16, 0.75f, true);

    PublisherWindows(int window, int maxPublishers) {
        this.window = window;
        this.maxPublishers = maxPublishers;
    }

    static PublisherWindows restore(Checkpoint checkpoint, QueueSettings settings) {
        PublisherWindows windows = new PublisherWindows(settings.publisherWindow(), settings.maxPublishers());
        for (PublisherWindow publisher : checkpoint.getPublishersList()) {
            for (IdRange run : publisher.getRunsList()) {
                for (long sequence = run.getFirst(); sequence <= run.getLast(); sequence++) {
                    windows.record(publisher.getPublisherId(), sequence);
                }
            }
        }
        return windows;
    }

    void writeTo(Checkpoint.Builder checkpoint) {
        for (Map.Entry<String, Window> publisher : publishers.entrySet()) {
            PublisherWindow.Builder written = PublisherWindow.newBuilder().setPublisherId(publisher.getKey());
            long[] run = {0, -1};  // first, last; empty while last < first
            publisher.getValue().forEach(sequence -> {
                if (run[1] >= run[0] && sequence == run[1] + 1) {
                    run[1] = sequence;
                } else {
                    if (run[1] >= run[0]) {
                        written.addRuns(IdRange.newBuilder().setFirst(run[0]).setLast(run[1]));
                    }
                    run[0] = sequence;
                    run[1] = sequence;
                }
            });
            if (run[1] >= run[0]) {
                written.addRuns(IdRange.newBuilder().setFirst(run[0]).setLast(run[1]));
            }
            checkpoint.addPublishers(written);
        }
    }

    /** Whether {@code publisherId}'s window holds {@code sequence} (a retry of a stored publish). */
    boolean seen(String publisherId, long sequence) {
        Window recent = publishers.get(publisherId);
        return recent != null && recent.contains(sequence);
    }

    /**
     * Records that {@code publisherId} published {@code sequence}.
     *
     * @return false when its window already held the sequence (a retry)
     */
    boolean record(String publisherId, long sequence) {
        Window recent = publishers.get(publisherId);
        if (recent == null) {
            recent = new Window(window);
            publishers.put(publisherId, recent);
            evictBeyondLimit();
        }
        if (recent.contains(sequence)) {
            return false;
        }
        recent.add(sequence);
        return true;
    }

    private void evictBeyondLimit() {
        Iterator<String> leastRecent = publishers.keySet().iterator();
        while (publishers.size() > maxPublishers) {
            leastRecent.next();
            leastRecent.remove();
        }
    }

    /**
     * One publisher's recent sequences in a ring of primitive longs: with 10,000 publishers of 1024
     * sequences, boxed sets would cost close to a gigabyte; this is 80 MB at most, and a scan of 1024
     * longs is only needed for a sequence at or below the highest seen (a retry). The ring grows to the window as sequences arrive.
     */
    private static final class Window {
        private final int capacity;
        private long[] ring;
        private int oldest;
        private int size;
        /** The highest sequence added (the ring may have forgotten it, which only makes the scan longer). */
        private long highest = Long.MIN_VALUE;

        Window(int capacity) {
            this.capacity = capacity;
            this.ring = new long[Math.min(8, capacity)];
        }

        boolean contains(long sequence) {
            if (size == 0 || sequence > highest) {
                return false;  // the common case: a publisher's next sequence
            }
            for (int i = 0; i < size; i++) {
                if (ring[(oldest + i) % ring.length] == sequence) {
                    return true;
                }
            }
            return false;
        }

        /** Adds a sequence as the newest, forgetting the oldest when full. */
        void add(long sequence) {
            highest = Math.max(highest, sequence);
            if (size == capacity) {
                // Full: the ring has grown to the capacity; the newest takes the oldest's slot.
                ring[oldest] = sequence;
                oldest = (oldest + 1) % ring.length;
                return;
            }
            if (size == ring.length) {
                long[] grown = new long[Math.min(capacity, ring.length * 2)];
                for (int i = 0; i < size; i++) {
                    grown[i] = ring[(oldest + i) % ring.length];
                }
                ring = grown;
                oldest = 0;
            }
            ring[(oldest + size) % ring.length] = sequence;
            size++;
        }

        /** Oldest first. */
        void forEach(LongConsumer action) {
            for (int i = 0; i < size; i++) {
                action.accept(ring[(oldest + i) % ring.length]);
            }
        }
    }
}
