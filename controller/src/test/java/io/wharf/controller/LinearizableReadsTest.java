package io.wharf.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.wharf.proto.controller.ListTopicsRequest;
import io.wharf.proto.controller.ListTopicsResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads wait for a linearizable read on the answering controller's own Raft server, in-process
 * ({@link LinearizableReads}): without a majority they are retried until {@code quorum.retry.max.ms}
 * and then refused with CONTROLLER_UNAVAILABLE, and a read that arrives before any leader is
 * elected is answered once one is.
 */
class LinearizableReadsTest {

    @TempDir
    Path dir;

    @Test
    void aReadWithoutAMajorityIsRefusedAfterTheRetryBoundAndTheControllerServesOnceOneForms() {
        try (InProcessQuorum quorum = new InProcessQuorum(3, dir, Map.of(ControllerConfig.QUORUM_RETRY_MAX_MS, "1500"))) {
            quorum.start(1);

            long startNs = System.nanoTime();
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> quorum.stub(1).listTopics(ListTopicsRequest.getDefaultInstance()));
            long waitedMs = (System.nanoTime() - startNs) / 1_000_000;

            assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
            String message = refused.getStatus().getDescription();
            assertTrue(message.startsWith("CONTROLLER_UNAVAILABLE: ") && message.contains("linearizable read"), message);
            assertTrue(waitedMs >= 1_000, "refused after " + waitedMs + " ms, before quorum.retry.max.ms");

            quorum.start(2);
            quorum.awaitLeader();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                    assertEquals(List.of(), quorum.stub(1).listTopics(ListTopicsRequest.getDefaultInstance()).getNamesList()));
        }
    }

    @Test
    void aReadThatArrivesBeforeALeaderIsElectedIsAnsweredOnceOneIs() throws Exception {
        try (InProcessQuorum quorum = new InProcessQuorum(3, dir, Map.of(ControllerConfig.QUORUM_RETRY_MAX_MS, "20000"))) {
            quorum.start(1);
            // A blocking call on a thread of its own (the stub's deadline is 15 s).
            CompletableFuture<ListTopicsResponse> answer = CompletableFuture.supplyAsync(
                    () -> quorum.stub(1).listTopics(ListTopicsRequest.getDefaultInstance()));
            // Still waiting: one controller of three elects nobody.
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2)).until(() -> !answer.isDone());

            quorum.start(3);

            await().atMost(Duration.ofSeconds(15)).until(answer::isDone);
            assertFalse(answer.isCompletedExceptionally(), () -> "the read failed: " + answer.handle((r, e) -> e).join());
            assertEquals(List.of(), answer.get().getNamesList());
        }
    }
}
