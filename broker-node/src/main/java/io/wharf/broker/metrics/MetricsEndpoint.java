package io.wharf.broker.metrics;

import com.sun.net.httpserver.HttpHandler;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP server of one broker: {@code /metrics} (its {@link BrokerMetrics} in the Prometheus
 * text format, or in another format the scraper negotiates: OpenMetrics, protobuf) and every other
 * path through a default handler (the health probes and the web console). Thread-safe; owns the
 * server's threads until {@link #close()}.
 */
public final class MetricsEndpoint implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

    /** Threads besides the long-lived streams: scrapes and probes never wait behind a console page. */
    static final int SHORT_REQUEST_THREADS = 2;

    private final HTTPServer server;
    private final ExecutorService threads;

    private MetricsEndpoint(HTTPServer server, ExecutorService threads) {
        this.server = server;
        this.threads = threads;
    }

    /**
     * Binds {@code host:port} (0: an ephemeral port) and serves {@code metrics} and
     * {@code otherPaths} from there.
     *
     * @param otherPaths    every path but {@code /metrics}
     * @param longLivedStreams how many requests {@code otherPaths} may hold open for long (the
     *                      console's event streams, each bounded by the console itself); the server
     *                      gets that many threads plus {@value #SHORT_REQUEST_THREADS}
     * @throws IOException naming {@code host:port} when it cannot be bound; nothing is left running then
     */
    public static MetricsEndpoint start(int brokerId, String host, int port, BrokerMetrics metrics,
                                        HttpHandler otherPaths, int longLivedStreams) throws IOException {
        // Named threads tell in-process brokers apart.
        AtomicInteger count = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(longLivedStreams + SHORT_REQUEST_THREADS, runnable -> {
            Thread thread = new Thread(runnable, "broker-" + brokerId + "-http-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        try {
            return new MetricsEndpoint(HTTPServer.builder().hostname(host).port(port).registry(metrics.registry())
                    .defaultHandler(otherPaths).executorService(executor).buildAndStart(), executor);
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

    /**
     * Stops serving at once (a scrape under way is cut off) and ends the server's threads; a
     * handler still streaming is interrupted.
     */
    @Override
    public void close() {
        server.close();
        threads.shutdownNow();
        try {
            if (!threads.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("HTTP server threads did not stop in time");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
