package io.wharf.broker;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console over real HTTP on two brokers of an in-process cluster: broker 1 read-only with
 * room for one streaming page, broker 2 with admin actions on. The page's files come from the jar,
 * the snapshot API and the event stream show the cluster, admin actions are refused or done, and
 * scrapes and probes are answered while the streams hold their threads.
 */
class ConsoleEndpointTest {

    @TempDir
    static Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static InProcessCluster cluster;
    private static int readOnlyPort;
    private static int adminPort;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = new InProcessCluster(dir);
        cluster.startControllers(Map.of());
        readOnlyPort = cluster.startBroker(1, Map.of(BrokerConfig.METRICS_PORT, "0",
                BrokerConfig.CONSOLE_MAX_CLIENTS, "1")).metricsPort().orElseThrow();
        adminPort = cluster.startBroker(2, Map.of(BrokerConfig.METRICS_PORT, "0",
                BrokerConfig.CONSOLE_ADMIN_ENABLED, "true")).metricsPort().orElseThrow();
        await().atMost(Duration.ofSeconds(30)).until(() -> cluster.brokers().values().stream().allMatch(BrokerNode::isActive));
    }

    @AfterAll
    static void stopCluster() throws Exception {
        cluster.close();
    }

    @Test
    void thePageAndItsFilesComeFromTheJar() throws Exception {
        HttpResponse<String> root = get(readOnlyPort, "/");
        assertEquals(302, root.statusCode());
        assertEquals("/console/", root.headers().firstValue("Location").orElseThrow());
        HttpResponse<String> page = get(readOnlyPort, "/console/");
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<script src=\"console.js\">"), page.body());
        HttpResponse<String> script = get(readOnlyPort, "/console/console.js");
        assertEquals("text/javascript; charset=utf-8", script.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(script.body().contains("new EventSource('/api/events')"));
        assertEquals(404, get(readOnlyPort, "/console/../pom.xml").statusCode());
        assertEquals(200, get(readOnlyPort, "/health/live").statusCode(), "the probes still answer");
    }

    @Test
    void theSnapshotShowsBrokersAndControllers() {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonNode snapshot = JSON.readTree(get(readOnlyPort, "/api/snapshot").body());
            assertEquals(1, snapshot.get("brokerId").asInt());
            assertEquals(List.of("active", "active"), snapshot.get("brokers").findValuesAsText("state"));
            JsonNode controllers = snapshot.get("controllers");
            assertEquals(3, controllers.get("nodes").size());
            assertTrue(controllers.get("leaderId").asInt() > 0, controllers.toString());
            assertTrue(snapshot.get("brokers").get(0).get("heartbeatAgeMs").asLong() >= 0, snapshot.toString());
        });
    }

    @Test
    void adminActionsAreRefusedOnAReadOnlyConsoleAndDoneOnAnAdminOne() throws Exception {
        HttpResponse<String> refused = post(readOnlyPort, "/api/topics", "{\"name\":\"nope\"}");
        assertEquals(403, refused.statusCode());
        JsonNode error = JSON.readTree(refused.body()).get("error");
        assertEquals(List.of(100, "CONSOLE_READ_ONLY"), List.of(error.get("code").asInt(), error.get("name").asText()));

        HttpResponse<String> created = post(adminPort, "/api/topics",
                "{\"name\":\"made-in-console\",\"partitions\":2,\"replicationFactor\":2}");
        assertEquals(200, created.statusCode(), created.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> topicNames(readOnlyPort).contains("made-in-console"));
        HttpResponse<String> again = post(adminPort, "/api/topics", "{\"name\":\"made-in-console\"}");
        assertEquals("TOPIC_ALREADY_EXISTS", JSON.readTree(again.body()).get("error").get("name").asText());

        HttpResponse<String> deleted = send(adminPort, HttpRequest.newBuilder(uri(adminPort, "/api/topics/made-in-console"))
                .DELETE());
        assertEquals(200, deleted.statusCode(), deleted.body());
        await().atMost(Duration.ofSeconds(10)).until(() -> !topicNames(readOnlyPort).contains("made-in-console"));
    }

    @Test
    void theEventStreamPushesChangesAndIsBoundedWithoutStarvingScrapes() throws Exception {
        try (EventStreamReader stream = openEventStream()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.lines().contains("event: snapshot"));

            // As a stream, so that one let through (a broken limit) fails here instead of hanging the read.
            HttpResponse<InputStream> second = requestEventStream();
            try (InputStream body = second.body()) {
                assertEquals(503, second.statusCode());
                assertEquals("CONSOLE_BUSY", JSON.readTree(body).get("error").get("name").asText());
            }
            assertEquals(200, get(readOnlyPort, "/metrics").statusCode(), "scrapes have their own threads");

            assertEquals(200, post(adminPort, "/api/topics", "{\"name\":\"streamed\",\"replicationFactor\":1}")
                    .statusCode());
            await().atMost(Duration.ofSeconds(10)).until(() -> stream.lines().stream()
                    .anyMatch(line -> line.startsWith("data: ") && line.contains("\"name\":\"streamed\"")));
        }
        // The closed stream gives its place back once the broker's next write finds it gone (within a second).
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            HttpResponse<InputStream> response = requestEventStream();
            try (InputStream body = response.body()) {
                return response.statusCode() == 200;
            }
        });
    }

    private static EventStreamReader openEventStream() throws IOException, InterruptedException {
        HttpResponse<InputStream> response = requestEventStream();
        assertEquals(200, response.statusCode());
        return new EventStreamReader(response.body());
    }

    private static HttpResponse<InputStream> requestEventStream() throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri(readOnlyPort, "/api/events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
    }

    private static List<String> topicNames(int port) throws IOException, InterruptedException {
        return JSON.readTree(get(port, "/api/snapshot").body()).get("topics").findValuesAsText("name");
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return send(port, HttpRequest.newBuilder(uri(port, path)).GET());
    }

    private static HttpResponse<String> post(int port, String path, String json) throws IOException, InterruptedException {
        return send(port, HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> send(int port, HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    /** Reads an event stream's lines on its own thread until closed. */
    private static final class EventStreamReader implements AutoCloseable {
        private final InputStream body;
        private final List<String> lines = new CopyOnWriteArrayList<>();
        private final Thread reader;

        EventStreamReader(InputStream body) {
            this.body = body;
            this.reader = new Thread(this::read, "console-test-event-reader");
            reader.setDaemon(true);
            reader.start();
        }

        List<String> lines() {
            return lines;
        }

        private void read() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                lines.add("closed: " + e);  // closing the stream ends the read this way
            }
        }

        @Override
        public void close() throws Exception {
            body.close();
            reader.join(Duration.ofSeconds(10).toMillis());
        }
    }
}
