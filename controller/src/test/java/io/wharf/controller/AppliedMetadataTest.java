package io.wharf.controller;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.wharf.metadata.MetadataImage;
import io.wharf.proto.controller.WatchMetadataResponse;
import io.wharf.proto.metadata.MetadataRecord;
import io.wharf.proto.metadata.MetadataRecordBatch;
import io.wharf.proto.metadata.RegisterBrokerRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The metadata stream's bookkeeping without gRPC or Ratis: a fake stream and a direct executor. */
class AppliedMetadataTest {

    /** Records what a watcher sends; the test decides when the stream can take more. */
    private static final class RecordingStream extends ServerCallStreamObserver<WatchMetadataResponse> {
        final List<WatchMetadataResponse> sent = new ArrayList<>();
        Throwable error;
        boolean ready = true;
        Runnable onReady = () -> { };
        Runnable onCancel = () -> { };

        void becomeReady() {
            ready = true;
            onReady.run();
        }

        List<Long> batchOffsets() {
            return sent.stream().filter(WatchMetadataResponse::hasBatch).map(r -> r.getBatch().getOffset()).toList();
        }

        @Override
        public boolean isReady() {
            return ready;
        }

        @Override
        public void setOnReadyHandler(Runnable handler) {
            onReady = handler;
        }

        @Override
        public void setOnCancelHandler(Runnable handler) {
            onCancel = handler;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public void setCompression(String compression) {
        }

        @Override
        public void disableAutoInboundFlowControl() {
        }

        @Override
        public void request(int count) {
        }

        @Override
        public void setMessageCompression(boolean enable) {
        }

        @Override
        public void onNext(WatchMetadataResponse value) {
            sent.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
        }

        @Override
        public void onCompleted() {
            throw new AssertionError("a metadata stream never completes normally");
        }
    }

    private final AppliedMetadata applied = new AppliedMetadata(3);

    /** Appends a batch registering broker {@code offset} at {@code offset}. */
    private void append(long offset) {
        MetadataRecordBatch batch = MetadataRecordBatch.newBuilder().setOffset(offset)
                .addRecords(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                        .setBrokerId((int) offset).setBrokerEpoch(offset).setHost("h").setPort(1)))
                .build();
        applied.append(applied.image().apply(batch), batch);
    }

    private RecordingStream watch(long fromOffset, int maxPending) {
        RecordingStream stream = new RecordingStream();
        MetadataWatcher watcher = new MetadataWatcher(stream, Runnable::run, maxPending, "test");
        watcher.onDone(() -> applied.unwatch(watcher));
        applied.watch(fromOffset, watcher);
        return stream;
    }

    @Test
    void imageListenersSeeEveryNewImageUntilRemoved() {
        List<Long> seen = new ArrayList<>();
        Runnable listener = () -> seen.add(applied.image().offset());
        applied.addImageListener(listener);
        append(1);
        append(2);
        applied.reset(MetadataImage.empty().apply(MetadataRecordBatch.newBuilder().setOffset(9).build()));
        applied.removeImageListener(listener);
        append(10);
        assertEquals(List.of(1L, 2L, 9L), seen);
    }

    @Test
    void fromMinusOneASnapshotOfTheCurrentImageComesFirst() {
        append(1);
        append(2);
        RecordingStream stream = watch(-1, 100);
        append(5);
        assertEquals(2, stream.sent.size());
        assertTrue(stream.sent.get(0).hasSnapshot());
        assertEquals(2, stream.sent.get(0).getSnapshot().getOffset());
        assertEquals(List.of(5L), stream.batchOffsets());
    }

    @Test
    void aRetainedOffsetGetsExactlyTheLaterBatches() {
        for (long offset = 1; offset <= 5; offset++) {
            append(offset);
        }
        // Batches 3, 4 and 5 are retained: resuming from 2, 3 or 4 needs no snapshot.
        for (long from = 2; from <= 4; from++) {
            RecordingStream stream = watch(from, 100);
            assertTrue(stream.sent.stream().noneMatch(WatchMetadataResponse::hasSnapshot), "from " + from);
            List<Long> expected = new ArrayList<>();
            for (long offset = from + 1; offset <= 5; offset++) {
                expected.add(offset);
            }
            assertEquals(expected, stream.batchOffsets(), "from " + from);
        }
        RecordingStream upToDate = watch(5, 100);
        assertTrue(upToDate.sent.isEmpty());
        append(6);
        assertEquals(List.of(6L), upToDate.batchOffsets());
    }

    @Test
    void anOffsetOlderThanWhatIsRetainedGetsASnapshot() {
        for (long offset = 1; offset <= 5; offset++) {
            append(offset);
        }
        RecordingStream stream = watch(1, 100);
        assertTrue(stream.sent.get(0).hasSnapshot());
        assertEquals(5, stream.sent.get(0).getSnapshot().getOffset());
        assertEquals(List.of(), stream.batchOffsets());
    }

    @Test
    void aSlowWatcherBuffersUpToItsLimitThenIsCutOffWithoutBlockingTheWriter() {
        RecordingStream stream = watch(-1, 2);
        stream.ready = false;
        append(1);
        append(2);
        assertEquals(1, stream.sent.size(), "only the snapshot went out");
        stream.becomeReady();
        assertEquals(List.of(1L, 2L), stream.batchOffsets());

        stream.ready = false;
        append(3);
        append(4);
        append(5);
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Status.fromThrowable(stream.error).getCode());
        assertEquals(0, applied.watcherCount());
        append(6);
        assertEquals(List.of(1L, 2L), stream.batchOffsets());
    }

    @Test
    void reloadingFromASnapshotClosesWatchersAndRestartsRetention() {
        append(1);
        RecordingStream stream = watch(-1, 100);
        applied.reset(MetadataImage.empty().apply(MetadataRecordBatch.newBuilder().setOffset(9)
                .addRecords(MetadataRecord.newBuilder().setRegisterBroker(RegisterBrokerRecord.newBuilder()
                        .setBrokerId(9).setBrokerEpoch(9).setHost("h").setPort(1))).build()));
        assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(stream.error).getCode());
        assertEquals(0, applied.watcherCount());

        RecordingStream old = watch(1, 100);
        assertTrue(old.sent.get(0).hasSnapshot(), "offset 1 is from before the reload");
        RecordingStream current = watch(9, 100);
        assertTrue(current.sent.isEmpty());
        assertNull(current.error);
    }

    @Test
    void aCancelledWatcherIsDropped() {
        RecordingStream stream = watch(-1, 100);
        assertEquals(1, applied.watcherCount());
        stream.onCancel.run();
        assertEquals(0, applied.watcherCount());
    }
}
