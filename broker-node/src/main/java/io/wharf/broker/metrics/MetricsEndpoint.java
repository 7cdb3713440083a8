package io.wharf.broker.metrics;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The HTTP server of one broker's {@code /metrics}: its {@link BrokerMetrics} in the Prometheus
 * text format, or in another format the scraper negotiates (OpenMetrics, protobuf). Thread-safe;
 * owns the server's threads until {@link #close()}.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private final HTTPServer server;

    private MetricsEndpoint(HTTPServer server) {
        this.server = server;
    }

    /**
     * Binds {@code host:port} (0: an ephemeral port) and serves {@code metrics} from there.
     *
     * @throws IOException naming {@code host:port} when it cannot be bound; nothing is left running then
     */
    public static MetricsEndpoint start(int brokerId, String host, int port, BrokerMetrics metrics)
            throws IOException {
        // One thread: scrapes are seconds apart, and a named thread tells in-process brokers apart.
        ExecutorService executor = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-metrics");
            thread.setDaemon(true);
            return thread;
        });
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(host).port(port).registry(metrics.registry())
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
