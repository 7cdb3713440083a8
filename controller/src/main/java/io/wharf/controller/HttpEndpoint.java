package io.wharf.controller;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.wharf.http.HealthHandler;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The HTTP server of one controller: {@code /metrics} (its {@link ControllerMetrics} in the
 * Prometheus text format, or another format the scraper negotiates) and the health probes of
 * {@link HealthHandler}. Thread-safe; owns the server's threads until {@link #close()}.
 */
final class HttpEndpoint implements AutoCloseable {

    private final HTTPServer server;

    private HttpEndpoint(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds {@code host:port} (0: an ephemeral port) and serves from there.
     *
     * @param notReadyReason why the controller is not ready, empty when it is (see {@link HealthHandler})
     * @throws IOException naming {@code host:port} when it cannot be bound; nothing is left running then
     */
    static HttpEndpoint start(int controllerId, String host, int port, ControllerMetrics metrics,
                              Supplier<Optional<String>> notReadyReason) throws IOException {
        // One thread: scrapes and probes are seconds apart, and a named thread tells in-process controllers apart.
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "wharf-controller-" + controllerId + "-http");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return new HttpEndpoint(HTTPServer.builder().hostname(host).port(port).registry(metrics.registry())
                    .defaultHandler(new HealthHandler(notReadyReason))
                    .executorService(executor).buildAndStart());
        } catch (IOException e) {
            executor.shutdownNow();
            throw new IOException("cannot serve metrics on " + host + ":" + port + " ("
                    + ControllerConfig.METRICS_PORT + "): " + e.getMessage(), e);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    /** The bound port. */
    int port() {
        return server.getPort();
    }

    /** Stops serving at once (a request under way is cut off) and ends the server's threads. */
    @Override
    public void close() {
        server.close();
    }
}
