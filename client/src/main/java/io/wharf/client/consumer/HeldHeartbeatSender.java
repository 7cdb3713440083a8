package io.wharf.client.consumer;

import io.grpc.Context;
import io.wharf.client.ClientException;
import io.wharf.client.DaemonThreads;
import io.wharf.client.group.GroupCoordinatorClient;
import io.wharf.proto.broker.GroupHeartbeatRequest;
import io.wharf.proto.broker.GroupHeartbeatResponse;
import io.wharf.proto.common.ErrorCode;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Sends a stable member's held heartbeats ({@code max_wait_ms}), which the coordinator may keep
 * until the member has news: on a thread of their own, so the heartbeat thread is never blocked
 * for the hold, and one at a time, each cancellable (gRPC cancellation) so that something urgent
 * goes out at once. Thread-safe.
 */
final class HeldHeartbeatSender implements AutoCloseable {

    /** What became of a held heartbeat; called on the sender's thread. */
    @FunctionalInterface
    interface Outcome {
        /**
         * @param response the answer, null on failure
         * @param failure  null on an answer; a cancelled call is REQUEST_TIMED_OUT (retriable)
         * @param tookMs   how long the call took
         */
        void done(GroupHeartbeatResponse response, ClientException failure, long tookMs);
    }

    private final String groupId;
    private final GroupCoordinatorClient coordinator;
    private final ExecutorService thread;
    /** The call in flight, for {@link #cancel}; guarded by this. */
    private Context.CancellableContext inFlight;

    HeldHeartbeatSender(String groupId, GroupCoordinatorClient coordinator) {
        this.groupId = groupId;
        this.coordinator = coordinator;
        this.thread = Executors.newSingleThreadExecutor(DaemonThreads.single("wharf-held-heartbeat-" + groupId));
    }

    /**
     * Sends {@code request} (which carries {@code max_wait_ms}); {@code outcome} is told when it
     * ends. Each attempt's deadline exceeds the hold by {@code requestTimeout}; retriable
     * coordinator errors are retried for {@code retryFor} beyond the hold.
     */
    synchronized void send(GroupHeartbeatRequest request, Duration requestTimeout, Duration retryFor,
                           Outcome outcome) {
        Duration hold = Duration.ofMillis(request.getMaxWaitMs());
        // Made here, not on the sender's thread, so that a cancel right after send still reaches it.
        Context.CancellableContext context = Context.current().withCancellation();
        inFlight = context;
        thread.execute(() -> {
            long start = System.nanoTime();
            GroupHeartbeatResponse response = null;
            ClientException failure = null;
            try {
                response = context.call(() -> coordinator.call(groupId, "GroupHeartbeat (held)",
                        stub -> stub.groupHeartbeat(request), GroupHeartbeatResponse::getError, hold.plus(retryFor),
                        hold.plus(requestTimeout)));
            } catch (ClientException e) {
                failure = e;
            } catch (Exception e) {
                failure = new ClientException(ErrorCode.UNKNOWN_SERVER_ERROR, "GroupHeartbeat of group '" + groupId
                        + "' failed: " + e, e);
            } finally {
                context.cancel(null); // releases the context's listeners
                synchronized (this) {
                    if (inFlight == context) {
                        inFlight = null;
                    }
                }
            }
            outcome.done(response, failure, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        });
    }

    /** Cancels the held heartbeat in flight, if any: its outcome comes at once, as a cancelled call. */
    synchronized void cancel() {
        if (inFlight != null) {
            inFlight.cancel(null);
        }
    }

    @Override
    public void close() {
        cancel();
        thread.shutdownNow();
    }
}
