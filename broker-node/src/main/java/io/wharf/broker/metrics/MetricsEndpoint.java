package io.wharf.broker.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.wharf.http.HealthHandler;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The HTTP server of one broker: {@code /metrics} (its {@link BrokerMetrics} in the Prometheus
 * text format, or in another format the scraper negotiates: OpenMetrics, protobuf) and the health
 * probes of {@link HealthHandler}. Thread-safe; owns the server's threads until {@link #close()}.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds {@code host:port} (0: an ephemeral port) and serves {@code metrics} and the health
     * probes from there.
     *
     * @param notReadyReason why the broker is not ready, empty when it is (see {@link HealthHandler})
     * @throws IOException naming {@code host:port} when it cannot be bound; nothing is left running then
     */
    public static MetricsEndpoint start(int brokerId, String host, int port, BrokerMetrics metrics,
                                        Supplier<Optional<String>> notReadyReason) throws IOException {
        // One thread: scrapes and probes are seconds apart, and a named thread tells in-process brokers apart.
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-metrics");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(host).port(port).registry(metrics.registry())
                    .defaultHandler(new HealthHandler(notReadyReason))
                    .executorService(executor).buildAndStart());
        } catch (IOException e) {
            executor.shutdownNow();
            throw new IOException("cannot serve metrics on " + host + ":" + port + " (metrics.port): "
                    + e.getMessage(), e);
        } catch (RuntimeException e) {
            executor.shutdownNow();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return server.getPort();
    }

    /** Stops serving at once (a scrape under way is cut off) and ends the server's threads. */
    @Override
    public void close() {
        server.close();
    }
}
