package io.wharf.controller;

import static io.wharf.controller.QuickPolling.await;

import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.wharf.proto.controller.WatchMetadataRequest;
import io.wharf.proto.controller.WatchMetadataResponse;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A test's end of one WatchMetadata stream: collects what arrives and can cancel. Thread-safe
 * (gRPC delivers on its threads, the test reads on its own).
 */
final class MetadataStream implements ClientResponseObserver<WatchMetadataRequest, WatchMetadataResponse> {

    private final LinkedBlockingQueue<WatchMetadataResponse> received = new LinkedBlockingQueue<>();
    private final AtomicReference<Throwable> error = new AtomicReference<>();
    private volatile ClientCallStreamObserver<WatchMetadataRequest> call;

    static MetadataStream open(InProcessQuorum quorum, int controller, long fromOffset) {
        MetadataStream stream = new MetadataStream();
        quorum.asyncStub(controller).watchMetadata(
                WatchMetadataRequest.newBuilder().setFromOffset(fromOffset).setBrokerId(-1).build(), stream);
        return stream;
    }

    /** The next message, waiting up to 10 s for it. */
    WatchMetadataResponse next() {
        await().atMost(Duration.ofSeconds(10)).until(() -> !received.isEmpty() || error.get() != null);
        WatchMetadataResponse message = received.poll();
        if (message == null) {
            throw new AssertionError("the stream ended instead of sending a message", error.get());
        }
        return message;
    }

    /** The error the stream ended with, waiting up to 10 s for it. */
    Throwable awaitError() {
        return await().atMost(Duration.ofSeconds(10)).until(error::get, e -> e != null);
    }

    boolean isEmpty() {
        return received.isEmpty();
    }

    void cancel() {
        call.cancel("test done", null);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchMetadataRequest> requestStream) {
        this.call = requestStream;
    }

    @Override
    public void onNext(WatchMetadataResponse value) {
        received.add(value);
    }

    @Override
    public void onError(Throwable t) {
        error.set(t);
    }

    @Override
    public void onCompleted() {
        error.compareAndSet(null, new IllegalStateException("the controller ended the stream normally"));
    }
}
