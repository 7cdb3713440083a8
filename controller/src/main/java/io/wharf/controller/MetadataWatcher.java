package io.wharf.controller;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataSnapshots;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.MetadataRecordBatch;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WatchMetadata stream: a bounded queue between the apply thread and the caller's gRPC stream,
 * so a slow or stuck caller never blocks the apply thread. Thread-safe: the apply thread
 * {@link #offer}s, gRPC callbacks and {@link #close} schedule a drain, and drains run on the shared
 * executor one at a time per watcher (the {@code draining} flag), which keeps every call on the
 * stream serialized as gRPC requires.
 *
 * <p>A watcher with more than {@code maxPending} undelivered batches is cut off with
 * RESOURCE_EXHAUSTED; the caller reconnects from its last applied offset.
 */
final class MetadataWatcher {

    private static final Logger LOG = LoggerFactory.getLogger(MetadataWatcher.class);

    private final ServerCallStreamObserver<WatchMetadataResponse> out;
    private final Executor executor;
    private final int maxPending;
    private final String description;
    private final ConcurrentLinkedQueue<MetadataRecordBatch> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicReference<Status> closeStatus = new AtomicReference<>();
    private final AtomicReference<MetadataImage> pendingSnapshot = new AtomicReference<>();
    private volatile Runnable onDone = () -> { };
    private volatile boolean finished;

    /**
     * Hooks itself to {@code out}'s ready and cancel callbacks; call from the gRPC handler method.
     *
     * @param description who is watching, for logs
     */
    MetadataWatcher(ServerCallStreamObserver<WatchMetadataResponse> out, Executor executor, int maxPending,
            String description) {
        this.out = out;
        this.executor = executor;
        this.maxPending = maxPending;
        this.description = description;
        out.setOnReadyHandler(this::scheduleDrain);
        out.setOnCancelHandler(() -> {
            finished = true;
            onDone.run();
        });
    }

    /** Runs {@code action} once when the stream ends, whichever way (cancel, cut-off, close). */
    void onDone(Runnable action) {
        this.onDone = action;
        if (finished) {
            action.run();
        }
    }

    int maxPending() {
        return maxPending;
    }

    /** Sends a snapshot of {@code image} before any batch offered later. */
    void startWithSnapshot(MetadataImage image) {
        pendingSnapshot.set(image);
        scheduleDrain();
    }

    /** Sends these retained batches before any batch offered later. */
    void startWithBatches(List<MetadataRecordBatch> backlog) {
        queue.addAll(backlog);
        queued.addAndGet(backlog.size());
        scheduleDrain();
    }

    /**
     * Queues one committed batch. Never blocks.
     *
     * @return false when this watcher is finished or has just been cut off for falling behind
     */
    boolean offer(MetadataRecordBatch batch) {
        if (finished || closeStatus.get() != null) {
            return false;
        }
        if (queued.incrementAndGet() > maxPending) {
            LOG.warn("Cutting off metadata watcher {}: more than {} batches undelivered", description, maxPending);
            close(Status.RESOURCE_EXHAUSTED.withDescription("more than " + maxPending
                    + " metadata batches were waiting for this watcher; watch again from your last applied offset"));
            return false;
        }
        queue.add(batch);
        scheduleDrain();
        return true;
    }

    /** Ends the stream with {@code status} after whatever is being sent right now. */
    void close(Status status) {
        if (closeStatus.compareAndSet(null, status)) {
            scheduleDrain();
        }
    }

    private void scheduleDrain() {
        if (!finished && draining.compareAndSet(false, true)) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                // The controller is stopping; this must not fail the apply thread that offered a batch.
                draining.set(false);
                finish();
            }
        }
    }

    private void drain() {
        do {
            try {
                pump();
            } catch (RuntimeException e) {
                // The call was closed under us (client gone); nothing more can be sent.
                LOG.debug("Metadata watcher {} failed while sending", description, e);
                finish();
            } finally {
                draining.set(false);
            }
        } while (hasWork() && draining.compareAndSet(false, true));
    }

    private boolean hasWork() {
        if (finished) {
            return false;
        }
        if (closeStatus.get() != null) {
            return true;
        }
        return (pendingSnapshot.get() != null || !queue.isEmpty()) && out.isReady();
    }

    private void pump() {
        if (finished) {
            return;
        }
        Status status = closeStatus.get();
        if (status != null) {
            finish();
            out.onError(status.asRuntimeException());
            return;
        }
        while (out.isReady()) {
            MetadataImage image = pendingSnapshot.getAndSet(null);
            if (image != null) {
                out.onNext(WatchMetadataResponse.newBuilder().setSnapshot(MetadataSnapshots.toSnapshot(image)).build());
                continue;
            }
            MetadataRecordBatch batch = queue.poll();
            if (batch == null) {
                return;
            }
            queued.decrementAndGet();
            out.onNext(WatchMetadataResponse.newBuilder().setBatch(batch).build());
            if (closeStatus.get() != null) {
                return;
            }
        }
    }

    private void finish() {
        finished = true;
        queue.clear();
        onDone.run();
    }
}
