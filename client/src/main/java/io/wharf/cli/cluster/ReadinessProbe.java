package io.wharf.cli.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Asks a node's own {@code /health/ready} (on its {@code metrics.port}) whether it serves: a
 * controller in the quorum with a known leader; a broker registered, unfenced and caught up with
 * metadata. The same probe a Kubernetes readiness check uses, so {@code wharf cluster up} waits
 * for what an orchestrator would. Thread-safe; the HTTP client holds no connection between calls.
 */
final class ReadinessProbe {

    private static final Duration TIMEOUT = Duration.ofMillis(500);

    /**
     * Built on the first probe rather than with this object: building one sets up the JDK's TLS
     * stack, some 900 classes and a few hundred milliseconds that {@code wharf cluster status},
     * {@code kill} or {@code stop}, which never probe, should not pay for.
     */
    private HttpClient http;  // guarded by this

    /**
     * Why {@code node} is not ready, or empty when it answers 200; a node without an HTTP port
     * ({@code metrics.port} -1) is taken as ready, as nothing can be asked.
     */
    Optional<String> notReady(ClusterTopology topology, NodeName node) {
        int port = topology.metricsPort(node);
        if (port <= 0) {
            return Optional.empty();
        }
        URI uri = URI.create("http://" + topology.host(node) + ":" + port + "/health/ready");
        try {
            HttpResponse<String> answer = client().send(HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 ? Optional.empty()
                    : Optional.of(node + " is not ready (" + uri + " answered " + answer.statusCode() + ": "
                            + answer.body().strip() + ")");
        } catch (IOException e) {
            return Optional.of(node + " does not answer " + uri + " (" + e.getMessage() + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while asking " + uri);
        }
    }

    private synchronized HttpClient client() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
        }
        return http;
    }
}
