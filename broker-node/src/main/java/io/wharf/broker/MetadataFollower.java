package io.wharf.broker;

import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.metadata.MetadataImage;
import io.wharf.metadata.MetadataSnapshots;
import io.wharf.proto.controller.WatchMetadataRequest;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.MetadataSnapshot;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the broker's {@link MetadataImage} in step with the controllers through a
 * {@code WatchMetadata} stream, and tells {@link MetadataListener}s about every change.
 * Thread-safe: the image is readable from any thread; stream events are applied under one lock.
 *
 * <p>The stream may come from any controller. When it breaks, the follower resumes on the next
 * controller from the offset of its image (at once the first time, then after the retry
 * backoff). Anything at or below that offset, snapshot or batch, is skipped, so replays after a
 * resume never apply twice and a lagging controller never moves the image backwards.
 *
 * <p>A stream can also stall without breaking: its controller is cut off from the quorum, or its
 * log cannot progress. The active controller's offset, reported in every heartbeat answer
 * ({@link #onLeaderOffset}), exposes that: an offset still missing from the image after the
 * maximum lag ({@link MetadataLag}) makes the follower drop the stream and resume on another.
 *
 * <p>A batch that does not apply to the image means this broker's view has diverged from the
 * quorum's; the follower stops and reports it to the fatal-error handler instead of guessing.
 */
public final class MetadataFollower implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetadataFollower.class);

    private final int brokerId;
    private final ControllerChannels controllers;
    private final ScheduledExecutorService scheduler;
    private final Duration retryBackoff;
    private final Consumer<Throwable> fatalErrorHandler;
    private final List<MetadataListener> listeners = new CopyOnWriteArrayList<>();
    private final Object lock = new Object();

    private volatile MetadataImage image = MetadataImage.empty();
    // Guarded by lock: the stream that is current (events of older streams are ignored), whether
    // following has ended, and how many stream attempts in a row failed.
    private Stream stream;
    private boolean stopped;
    private int consecutiveFailures;
    private final MetadataLag lag;

    /**
     * @param scheduler runs the delayed reconnects; owned by the caller
     * @param maxLag how long an offset the active controller reported may be missing from the image
     *     before the stream is replaced
     * @param fatalErrorHandler told once when the image can no longer follow the quorum
     */
    public MetadataFollower(int brokerId, ControllerChannels controllers, ScheduledExecutorService scheduler,
                            Duration retryBackoff, Duration maxLag, Consumer<Throwable> fatalErrorHandler) {
        this.brokerId = brokerId;
        this.controllers = controllers;
        this.scheduler = scheduler;
        this.retryBackoff = retryBackoff;
        this.fatalErrorHandler = fatalErrorHandler;
        this.lag = new MetadataLag(maxLag.toMillis());
    }

    /** The current image; a consistent immutable value, never null. */
    public MetadataImage image() {
        return image;
    }

    /** This broker's own registration and leaderships as the current image records them. */
    public LocalBrokerView localView() {
        return LocalBrokerView.of(image, brokerId);
    }

    /** Adds a listener for every later change; add listeners before {@link #start()} to miss none. */
    public void addListener(MetadataListener listener) {
        listeners.add(listener);
    }

    /** Opens the first stream. */
    public void start() {
        connect();
    }

    /** Ends the stream; no listener is called after this returns. */
    @Override
    public void close() {
        Stream ending;
        synchronized (lock) {
            stopped = true;
            ending = stream;
            stream = null;
        }
        if (ending != null) {
            ending.cancel();
        }
    }

    /**
     * The active controller's image was at {@code leaderOffset} (from a heartbeat answer at
     * {@code nowMs}, monotonic). Replaces the stream when the image has lagged too long.
     */
    public void onLeaderOffset(long leaderOffset, long nowMs) {
        Stream stalled;
        synchronized (lock) {
            long awaited = lag.awaitedOffset();
            if (stopped || stream == null || !lag.observe(image.offset(), leaderOffset, nowMs)) {
                return;
            }
            stalled = stream;
            stream = null;
            consecutiveFailures = 0;
            log.warn("Broker {} metadata stream from controller {} stalled: the image is at offset {}, the active "
                    + "controller reached {} long ago; resuming on another controller", brokerId, stalled.endpoint,
                    image.offset(), awaited);
        }
        stalled.cancel();
        controllers.skip(stalled.endpoint);
        try {
            scheduler.execute(this::connect);
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} not resuming its metadata stream: the node is stopping", brokerId);
        }
    }

    private void connect() {
        Stream opening;
        synchronized (lock) {
            if (stopped) {
                return;
            }
            opening = new Stream(controllers.current(), image.offset());
            stream = opening;
        }
        log.debug("Broker {} watching metadata on controller {} from offset {}", brokerId, opening.endpoint,
                opening.fromOffset);
        try {
            controllers.asyncStub(opening.endpoint).watchMetadata(WatchMetadataRequest.newBuilder()
                    .setFromOffset(opening.fromOffset)
                    .setBrokerId(brokerId)
                    .build(), opening);
        } catch (IllegalStateException e) {
            // The channels were closed under us: the node is stopping.
            log.debug("Broker {} not watching metadata: {}", brokerId, e.getMessage());
        }
    }

    private void onResponse(Stream source, WatchMetadataResponse response) {
        synchronized (lock) {
            if (source != stream) {
                return;
            }
            consecutiveFailures = 0;
            try {
                switch (response.getPayloadCase()) {
                    case SNAPSHOT -> applySnapshot(response.getSnapshot());
                    case BATCH -> applyBatch(response.getBatch());
                    default -> log.warn("Broker {} ignored an empty WatchMetadata message from {}", brokerId,
                            source.endpoint);
                }
            } catch (RuntimeException e) {
                stopped = true;
                stream = null;
                source.cancel();
                log.error("Broker {} cannot apply metadata from controller {} to its image at offset {}; "
                        + "it stops following metadata", brokerId, source.endpoint, image.offset(), e);
                fatalErrorHandler.accept(e);
            }
        }
    }

    private void applySnapshot(MetadataSnapshot snapshot) {
        if (snapshot.getOffset() <= image.offset()) {
            log.debug("Broker {} skipped a snapshot at offset {} (image at {})", brokerId, snapshot.getOffset(),
                    image.offset());
            return;
        }
        log.info("Broker {} loaded a metadata snapshot at offset {} (image was at {})", brokerId,
                snapshot.getOffset(), image.offset());
        publish(MetadataSnapshots.fromSnapshot(snapshot));
    }

    private void applyBatch(MetadataRecordBatch batch) {
        if (batch.getOffset() <= image.offset()) {
            return;
        }
        publish(image.apply(batch));
    }

    private void publish(MetadataImage next) {
        MetadataImage previous = image;
        image = next;
        for (MetadataListener listener : listeners) {
            try {
                listener.onImageChanged(previous, next);
            } catch (RuntimeException e) {
                log.error("Metadata listener {} failed on the image at offset {}", listener, next.offset(), e);
            }
        }
    }

    private void onStreamEnded(Stream source, Throwable failure) {
        int failures;
        synchronized (lock) {
            if (source != stream) {
                return;
            }
            stream = null;
            failures = ++consecutiveFailures;
        }
        String reason = failure == null ? "completed" : ControllerChannels.describe(Status.fromThrowable(failure));
        if (failures == 1) {
            log.info("Broker {} lost its metadata stream from controller {} ({}); resuming from offset {} on another",
                    brokerId, source.endpoint, reason, image.offset());
        } else {
            log.debug("Broker {} metadata stream from controller {} failed again ({})", brokerId, source.endpoint,
                    reason);
        }
        // The first retry goes at once to the next controller; a run of failures means none is up.
        long delayMs = failures == 1 ? 0 : retryBackoff.toMillis();
        controllers.skip(source.endpoint);
        try {
            scheduler.schedule(this::connect, delayMs, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            log.debug("Broker {} not resuming its metadata stream: the node is stopping", brokerId);
        }
    }

    /** One WatchMetadata call; its events count only while it is the follower's current stream. */
    private final class Stream implements ClientResponseObserver<WatchMetadataRequest, WatchMetadataResponse> {

        final HostPort endpoint;
        final long fromOffset;
        private volatile ClientCallStreamObserver<WatchMetadataRequest> call;

        Stream(HostPort endpoint, long fromOffset) {
            this.endpoint = endpoint;
            this.fromOffset = fromOffset;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchMetadataRequest> requestStream) {
            call = requestStream;
        }

        /** Cancels the call if it has started; one not started yet ends when the channels close. */
        void cancel() {
            ClientCallStreamObserver<WatchMetadataRequest> started = call;
            if (started != null) {
                started.cancel("metadata follower stopped", null);
            }
        }

        @Override
        public void onNext(WatchMetadataResponse response) {
            onResponse(this, response);
        }

        @Override
        public void onError(Throwable t) {
            onStreamEnded(this, t);
        }

        @Override
        public void onCompleted() {
            onStreamEnded(this, null);
        }
    }
}
