package io.wharf.queue;

import io.wharf.proto.queue.Checkpoint;
import io.wharf.proto.queue.PublisherWindow;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

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
            publisher.getSequencesList().forEach(sequence -> windows.record(publisher.getPublisherId(), sequence));
        }
        return windows;
    }

    void writeTo(Checkpoint.Builder checkpoint) {
        for (Map.Entry<String, Window> publisher : publishers.entrySet()) {
            checkpoint.addPublishers(PublisherWindow.newBuilder().setPublisherId(publisher.getKey())
                    .addAllSequences(publisher.getValue().order));
        }
    }

    /**
     * Records that {@code publisherId} published {@code sequence}.
     *
     * @return false when its window already held the sequence (a retry)
     */
    boolean record(String publisherId, long sequence) {
        Window recent = publishers.get(publisherId);
        if (recent == null) {
            recent = new Window();
            publishers.put(publisherId, recent);
            evictBeyondLimit();
        }
        if (!recent.seen.add(sequence)) {
            return false;
        }
        recent.order.addLast(sequence);
        if (recent.order.size() > window) {
            recent.seen.remove(recent.order.removeFirst());
        }
        return true;
    }

    private void evictBeyondLimit() {
        Iterator<String> leastRecent = publishers.keySet().iterator();
        while (publishers.size() > maxPublishers) {
            leastRecent.next();
            leastRecent.remove();
        }
    }

    /** One publisher's recent sequences, oldest first, and the same as a set for lookups. */
    private static final class Window {
        private final ArrayDeque<Long> order = new ArrayDeque<>();
        private final Set<Long> seen = new HashSet<>();
    }
}
