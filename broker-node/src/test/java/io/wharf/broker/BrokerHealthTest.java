package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wharf.controller.FreePorts;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real broker's {@code /health/live} and {@code /health/ready}, before and after it is registered and unfenced. */
class BrokerHealthTest {

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeQuorum quorum;
    private BrokerNode broker;

    @AfterEach
    void stop() {
        if (broker != null) {
            broker.close();
        }
        if (quorum != null) {
            quorum.close();
        }
    }

    @Test
    void aBrokerThatCannotRegisterIsLiveButNotReady() throws Exception {
        // Nothing listens on the bootstrap port: the broker keeps trying to register.
        broker = start("127.0.0.1:" + FreePorts.one());

        HttpResponse<String> live = get("/health/live");
        assertEquals(200, live.statusCode());
        assertEquals("{\"status\":\"live\"}", live.body().trim());
        HttpResponse<String> ready = get("/health/ready");
        assertEquals(503, ready.statusCode(), ready.body());
        assertEquals("{\"status\":\"not ready\",\"reason\":\"broker 1 is not registered with the controllers yet\"}",
                ready.body().trim());
    }

    @Test
    void aRegisteredUnfencedBrokerIsReady() throws Exception {
        quorum = FakeQuorum.start(1);
        broker = start(quorum.bootstrap());

        await().atMost(Duration.ofSeconds(20)).until(() -> get("/health/ready").statusCode() == 200);
        assertTrue(broker.isActive());
        assertEquals("{\"status\":\"ready\"}", get("/health/ready").body().trim());
        assertEquals(200, get("/metrics").statusCode(), "metrics share the server");
        assertEquals(404, get("/health").statusCode());
    }

    private BrokerNode start(String bootstrap) throws IOException {
        Map<String, String> config = new HashMap<>(BrokerNodeTest.testConfig(1, bootstrap, dir));
        config.put(BrokerConfig.METRICS_PORT, "0");
        BrokerNode node = new BrokerNode(BrokerConfig.from(config));
        node.start();
        return node;
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        URI uri = URI.create("http://127.0.0.1:" + broker.metricsPort().orElseThrow() + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
