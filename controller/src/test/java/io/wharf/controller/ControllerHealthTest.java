package io.wharf.controller;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health/live} and {@code /health/ready} of in-process controllers, with and without a majority. */
class ControllerHealthTest {

    @TempDir
    Path dir;
    private InProcessQuorum quorum;

    @BeforeEach
    void createQuorum() {
        quorum = new InProcessQuorum(3, dir, Map.of(ControllerConfig.METRICS_PORT, "0"));
    }

    @AfterEach
    void stop() {
        quorum.close();
    }

    @Test
    void aLoneControllerIsLiveButNotReadyUntilAMajorityElectsALeader() {
        ControllerNode lone = quorum.start(1);

        HttpResponse<String> live = ControllerHttp.get(lone, "/health/live");
        assertEquals(200, live.statusCode());
        assertEquals("{\"status\":\"live\"}", live.body().trim());
        HttpResponse<String> notReady = ControllerHttp.get(lone, "/health/ready");
        assertEquals(503, notReady.statusCode(), notReady.body());
        assertTrue(notReady.body().contains("\"status\":\"not ready\"") && notReady.body().contains("knows no leader"),
                notReady.body());
        assertEquals("application/json; charset=utf-8", notReady.headers().firstValue("Content-Type").orElse(""));

        ControllerNode second = quorum.start(2);
        for (ControllerNode node : new ControllerNode[] {lone, second}) {
            await().atMost(Duration.ofSeconds(20)).until(() -> ControllerHttp.get(node, "/health/ready").statusCode() == 200);
            assertEquals("{\"status\":\"ready\"}", ControllerHttp.get(node, "/health/ready").body().trim());
        }
    }

    @Test
    void theEndpointStopsWithTheControllerAndMinusOneServesNone() throws Exception {
        ControllerNode node = quorum.start(1);
        assertTrue(node.metricsPort().isPresent());
        quorum.stop(1);
        assertThrows(UncheckedIOException.class, () -> ControllerHttp.get(node, "/health/live"));

        ControllerNode without = new ControllerNode(ControllerConfig.fromMap(Map.of(
                ControllerConfig.NODE_ID, "2", ControllerConfig.QUORUM_VOTERS, quorum.voters(),
                ControllerConfig.DATA_DIR, dir.resolve("without").toString())));
        try (without) {
            without.start();
            assertTrue(without.metricsPort().isEmpty());
        }
    }
}
