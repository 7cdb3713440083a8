package io.wharf.controller;

import io.grpc.Status;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.metadata.MetadataRecordBatch;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * This controller's applied metadata: the current image, the most recent committed record batches
 * and the watchers that follow them. Thread-safe: the state machine's apply thread publishes,
 * gRPC threads read and register watchers.
 *
 * <p>Invariant: {@link #history} holds every non-empty batch with an offset above
 * {@link #coveredFrom}, in order; a watcher whose offset is at least {@code coveredFrom} can be
 * served from it without a gap, any other watcher needs a snapshot first.
 */
final class AppliedMetadata {

    private final int historyLimit;
    private final Object lock = new Object();
    private final ArrayDeque<MetadataRecordBatch> history = new ArrayDeque<>();
    private final Set<MetadataWatcher> watchers = new HashSet<>();
    private final List<Runnable> imageListeners = new CopyOnWriteArrayList<>();
    private volatile MetadataImage image = MetadataImage.empty();
    private long coveredFrom = MetadataImage.empty().offset();

    /** @param historyLimit how many recent batches to keep for watchers that resume */
    AppliedMetadata(int historyLimit) {
        this.historyLimit = historyLimit;
    }

    /** The image as of the last applied batch. */
    MetadataImage image() {
        return image;
    }

    /**
     * Replaces the whole state with {@code newImage} (loaded from a snapshot). Watchers cannot be
     * continued across the jump, so they are closed and resume (with a snapshot) on reconnect.
     */
    void reset(MetadataImage newImage) {
        List<MetadataWatcher> closed;
        synchronized (lock) {
            image = newImage;
            history.clear();
            coveredFrom = newImage.offset();
            closed = new ArrayList<>(watchers);
            watchers.clear();
        }
        for (MetadataWatcher watcher : closed) {
            watcher.close(Status.UNAVAILABLE.withDescription(
                    "this controller reloaded its metadata from a snapshot; watch again from your last offset"));
        }
        imageListeners.forEach(Runnable::run);
    }

    /** Publishes one committed batch and the image it produced. Called by the apply thread only. */
    void append(MetadataImage newImage, MetadataRecordBatch batch) {
        synchronized (lock) {
            image = newImage;
            if (historyLimit == 0) {
                coveredFrom = batch.getOffset();
            } else {
                history.addLast(batch);
                while (history.size() > historyLimit) {
                    coveredFrom = history.removeFirst().getOffset();
                }
            }
            // Iterate over a copy: a watcher that refuses the batch (it fell too far behind) may
            // unwatch itself from within offer().
            for (MetadataWatcher watcher : List.copyOf(watchers)) {
                if (!watcher.offer(batch)) {
                    watchers.remove(watcher);
                }
            }
        }
        imageListeners.forEach(Runnable::run);
    }

    /**
     * Runs {@code listener} on the apply thread after every new image (appended batch or snapshot
     * reload), until {@link #removeImageListener}. It must return at once: apply waits for it.
     */
    void addImageListener(Runnable listener) {
        imageListeners.add(listener);
    }

    void removeImageListener(Runnable listener) {
        imageListeners.remove(listener);
    }

    /**
     * Starts {@code watcher} after {@code fromOffset}: from retained batches when they reach back
     * that far, otherwise from a snapshot of the current image; then every batch as it is appended.
     */
    void watch(long fromOffset, MetadataWatcher watcher) {
        synchronized (lock) {
            if (fromOffset >= 0 && fromOffset >= coveredFrom) {
                List<MetadataRecordBatch> backlog = new ArrayList<>();
                for (MetadataRecordBatch batch : history) {
                    if (batch.getOffset() > fromOffset) {
                        backlog.add(batch);
                    }
                }
                if (backlog.size() <= watcher.maxPending()) {
                    watcher.startWithBatches(backlog);
                } else {
                    watcher.startWithSnapshot(image);
                }
            } else {
                watcher.startWithSnapshot(image);
            }
            watchers.add(watcher);
        }
    }

    /** Stops publishing to {@code watcher} (it was cancelled or cut off). */
    void unwatch(MetadataWatcher watcher) {
        synchronized (lock) {
            watchers.remove(watcher);
        }
    }

    /** Closes every watcher with {@code status}, e.g. when the controller stops. */
    void closeWatchers(Status status) {
        List<MetadataWatcher> closed;
        synchronized (lock) {
            closed = new ArrayList<>(watchers);
            watchers.clear();
        }
        for (MetadataWatcher watcher : closed) {
            watcher.close(status);
        }
    }

    /** How many watchers are connected. */
    int watcherCount() {
        synchronized (lock) {
            return watchers.size();
        }
    }
}
